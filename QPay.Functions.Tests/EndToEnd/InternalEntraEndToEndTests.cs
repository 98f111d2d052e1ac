using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using QPay.Functions.Tests.FunctionsHost;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox;
using Host = QPay.FunctionsHost.FunctionsHost;
using HostOptions = QPay.FunctionsHost.FunctionsHostOptions;

namespace QPay.Functions.Tests.EndToEnd;

/// <summary>
/// INTERNAL_AUTH_MODE=EntraId through the repository's Functions host and the compiled worker,
/// against a loopback Entra tenant: the key as <c>?code=</c> (as some callers send it), then the
/// token and the app role. No captured log line (host, worker RpcLog, console) holds the key.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class InternalEntraEndToEndTests : IAsyncLifetime
{
    private const string FunctionKey = "entra-e2e-function-key-0123456789";
    private const string Route = "order/api/internal/payments/qpay/refunds?status=pending";

    private TestEntraTenant _tenant = null!;
    private QPaySandbox _sandbox = null!;
    private Host _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        LocalStack.EnsureRunning();
        _tenant = await TestEntraTenant.StartAsync();
        _sandbox = await QPaySandbox.StartAsync(new SandboxOptions());
        var overrides = _tenant.Settings();
        overrides["QPAY_BASE_URL"] = _sandbox.BaseUrl.ToString().TrimEnd('/');
        _host = await Host.StartAsync(new HostOptions
        {
            AppDirectory = TestPaths.FunctionsAppOutput,
            HttpPort = 0,
            Settings = LocalSettings.Values(overrides),
            ConfigureSettings = (self, values) => values["QPAY_CALLBACK_PUBLIC_BASE_URL"] = self.ToString().TrimEnd('/'),
            FunctionKey = FunctionKey,
            EnableTimerSchedules = false,
        });
        _client = new HttpClient { BaseAddress = _host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _sandbox.DisposeAsync();
        await _tenant.DisposeAsync();
    }

    [Fact]
    public async Task The_key_opens_the_host_the_token_and_role_open_the_route_and_no_log_holds_the_key()
    {
        var withRole = await SendAsync(_tenant.Token([TestEntraTenant.Role]));
        var withoutToken = await SendAsync(token: null);
        var withoutRole = await SendAsync(_tenant.Token(["Orders.Read"], v2: true));
        var withoutKey = await SendAsync(_tenant.Token([TestEntraTenant.Role]), key: null);

        Assert.True(withRole.Status == HttpStatusCode.OK, $"answered {(int)withRole.Status}: {withRole.Body}");
        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.Status);
        Assert.Equal("UNAUTHORIZED", Error(withoutToken.Body));
        Assert.Equal(HttpStatusCode.Forbidden, withoutRole.Status);
        Assert.Equal("APP_ROLE_REQUIRED", Error(withoutRole.Body));
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.Status);
        Assert.Equal(string.Empty, withoutKey.Body); // the host's own 401, before the worker
        Assert.Contains(_host.Logs, line => line.Message.Contains("Internal call refused (403)", StringComparison.Ordinal));
        Assert.DoesNotContain(_host.Logs, line => line.Message.Contains(FunctionKey, StringComparison.Ordinal));
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(string? token, string? key = FunctionKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, key is null ? Route : $"{Route}&code={Uri.EscapeDataString(key)}");
        request.Headers.Add("x-internal-request", "true");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string? Error(string body) =>
        JsonDocument.Parse(body).RootElement.GetProperty("error").GetString();
}
