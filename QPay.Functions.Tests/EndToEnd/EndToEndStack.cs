using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox;
using Host = QPay.FunctionsHost.FunctionsHost;
using HostOptions = QPay.FunctionsHost.FunctionsHostOptions;

namespace QPay.Functions.Tests.EndToEnd;

/// <summary>
/// The whole system as it runs: the compiled QPay.Functions worker driven by the repository's
/// Functions host (with a function key, as in Azure), the QPay sandbox calling it back over HTTP,
/// Azurite and Redis. Settings are the committed local sample, pointed at this stack's ports. The demo
/// catalogue that scripts/dev.sh loads (scripts/demo-catalog) is loaded the same way, through the
/// worker's internal catalogue routes, before any test runs.
/// </summary>
public sealed class EndToEndStack : IAsyncLifetime
{
    public const string FunctionKey = "e2e-function-key-0123456789";
    public const int StatusRateLimit = 30;

    public QPaySandbox Sandbox { get; private set; } = null!;

    public Host Host { get; private set; } = null!;

    /// <summary>The app on the host, e.g. http://127.0.0.1:port/.</summary>
    public HttpClient App { get; private set; } = null!;

    public HttpClient SandboxControl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        LocalStack.EnsureRunning();
        // A callback runs the whole verification through the host; a loaded machine may need more than the 10 s default.
        Sandbox = await QPaySandbox.StartAsync(new SandboxOptions { DefaultCallbackDuplicates = 1, CallbackTimeout = TimeSpan.FromSeconds(60) });
        var settings = LocalSettings.Values(new Dictionary<string, string?>
        {
            ["QPAY_BASE_URL"] = Sandbox.BaseUrl.ToString().TrimEnd('/'),
            ["STATUS_RATE_LIMIT_PER_MINUTE"] = StatusRateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Host = await Host.StartAsync(new HostOptions
        {
            AppDirectory = TestPaths.FunctionsAppOutput,
            HttpPort = 0,
            Settings = settings,
            ConfigureSettings = (self, values) => values["QPAY_CALLBACK_PUBLIC_BASE_URL"] = self.ToString().TrimEnd('/'),
            FunctionKey = FunctionKey,
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(200),
            QueueVisibilityTimeout = TimeSpan.Zero,
            EnableTimerSchedules = false,
            CorsAllowedOrigins = LocalSettings.CorsOrigins(),
            CorsAllowCredentials = true,
        });
        App = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        SandboxControl = new HttpClient { BaseAddress = Sandbox.BaseUrl };
        await PutCatalogAsync("products", DemoCatalog.ProductsFile);
        await PutCatalogAsync("coupons", DemoCatalog.CouponsFile);
    }

    /// <summary>A request to an internal route: the function key and <c>x-internal-request: true</c>.</summary>
    public static HttpRequestMessage Internal(HttpMethod method, string route, object? body = null)
    {
        var request = new HttpRequestMessage(method, route);
        request.Headers.Add("x-functions-key", FunctionKey);
        request.Headers.Add("x-internal-request", "true");
        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body, options: JsonSerializerOptions.Web);
        }

        return request;
    }

    /// <summary>POST the internal refund route through the host with this <c>Idempotency-Key</c>.</summary>
    public async Task<(HttpStatusCode Status, string Body, bool Replayed)> RefundAsync(string idempotencyKey, object body)
    {
        using var request = Internal(HttpMethod.Post, "order/api/internal/payments/qpay/refund", body);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await App.SendAsync(request);
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true");
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), replayed);
    }

    /// <summary>The sandbox's count of calls to one /v2 endpoint, read from its control API (<c>GET /sandbox/stats</c>).</summary>
    public async Task<int> SandboxCallsAsync(string endpoint)
    {
        using var stats = JsonDocument.Parse(await SandboxControl.GetStringAsync("sandbox/stats"));
        return stats.RootElement.TryGetProperty(endpoint, out var count) ? count.GetInt32() : 0;
    }

    /// <summary>PUTs one demo file as it is to the catalogue route, as scripts/lib/catalog.sh does; every item must be written.</summary>
    private async Task PutCatalogAsync(string kind, string file)
    {
        var text = await File.ReadAllTextAsync(file);
        using var request = Internal(HttpMethod.Put, $"order/api/internal/catalog/{kind}",
            new StringContent(text, System.Text.Encoding.UTF8, "application/json"));
        using var response = await App.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"PUT catalog/{kind} answered {(int)response.StatusCode}: {body}");
        using var sent = JsonDocument.Parse(text);
        using var answer = JsonDocument.Parse(body);
        Assert.Equal(sent.RootElement.GetProperty(kind).GetArrayLength(), answer.RootElement.GetProperty("written").GetInt32());
    }

    public async Task DisposeAsync()
    {
        App?.Dispose();
        SandboxControl?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        if (Sandbox is not null)
        {
            await Sandbox.DisposeAsync();
        }
    }

    public static QueueClient Queue(string name) =>
        new(LocalStack.StorageConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public static QueueClient OrderQueue => Queue(StorageNames.OrderCreationQueue);

    public static QueueClient PoisonQueue => Queue(StorageNames.OrderCreationPoisonQueue);

    /// <summary>Seeds the two-seller cart through the public route; <paramref name="ebarimt"/>, when given, is the checkout's <c>ebarimt</c> field.</summary>
    public async Task<(string SessionId, string InvoiceId)> SeedAsync(string userId, object? ebarimt = null)
    {
        var checkout = JsonSerializer.SerializeToNode(Carts.TwoSellers, JsonSerializerOptions.Web)!.AsObject();
        if (ebarimt is not null)
        {
            checkout["ebarimt"] = JsonSerializer.SerializeToNode(ebarimt, JsonSerializerOptions.Web);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "payments/qpay/seed-session")
        {
            Content = JsonContent.Create(checkout, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new("Bearer", TestJwt.For(userId));
        using var response = await App.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("sessionId").GetString()!, json.RootElement.GetProperty("invoice").GetProperty("invoiceId").GetString()!);
    }

    /// <summary>
    /// Pays in the sandbox; by default it calls the app back over HTTP as QPay does. <paramref name="type"/>
    /// is the sandbox's payment type (P2P, its default, or CARD, which QPay can reverse).
    /// </summary>
    public async Task<JsonElement> PayAsync(string invoiceId, bool callback = true, string? type = null)
    {
        using var response = await SandboxControl.PostAsJsonAsync(
            $"sandbox/invoices/{invoiceId}/pay", type is null ? new { callback } : (object)new { callback, type });
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async Task<HttpResponseMessage> StatusAsync(string userId, string sessionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"payments/qpay/status?sessionId={sessionId}");
        request.Headers.Authorization = new("Bearer", TestJwt.For(userId));
        return await App.SendAsync(request);
    }

    /// <summary>Polls the status endpoint (as the frontend does) until it says <paramref name="expected"/>.</summary>
    public Task<JsonElement> WaitForStatusAsync(string userId, string sessionId, string expected) =>
        WaitForAsync(userId, sessionId, s => s.GetProperty("status").GetString() == expected, expected, TimeSpan.FromSeconds(60));

    /// <summary>
    /// Polls the status endpoint until its <c>ebarimt.status</c> says <paramref name="expected"/>. Patient as
    /// <see cref="Eventually"/>: a receipt is issued by the receipt queue after the orders exist.
    /// </summary>
    public Task<JsonElement> WaitForReceiptAsync(string userId, string sessionId, string expected) =>
        WaitForAsync(
            userId, sessionId,
            s => s.TryGetProperty("ebarimt", out var receipt) && receipt.GetProperty("status").GetString() == expected,
            $"ebarimt.status {expected}", Eventually.Patience);

    /// <summary>GET /payments/qpay/ebarimt as <paramref name="userId"/>.</summary>
    public async Task<HttpResponseMessage> EbarimtAsync(string userId, string sessionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"payments/qpay/ebarimt?sessionId={sessionId}");
        request.Headers.Authorization = new("Bearer", TestJwt.For(userId));
        return await App.SendAsync(request);
    }

    /// <summary>
    /// Waits until no e-receipt of this stack's invoices is PENDING: the receipts earlier tests' payments
    /// asked for are issued (each asks this sandbox once), so the sandbox's ebarimt counts move only for what follows.
    /// </summary>
    public async Task ReceiptsSettledAsync()
    {
        var table = new Azure.Data.Tables.TableClient(LocalStack.StorageConnectionString, StorageNames.EbarimtReceiptsTable);
        await table.CreateIfNotExistsAsync();
        await Eventually.UntilAsync(async () =>
        {
            var ours = Sandbox.State.Invoices.Select(i => i.InvoiceId).ToHashSet(StringComparer.Ordinal);
            await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>("Status eq 'Pending'"))
            {
                if (ours.Contains(row.GetString("InvoiceId") ?? ""))
                {
                    return false;
                }
            }

            return true;
        }, "the e-receipts of this stack's earlier payments to leave PENDING");
    }

    private async Task<JsonElement> WaitForAsync(string userId, string sessionId, Func<JsonElement, bool> done, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await StatusAsync(userId, sessionId);
            if (response.IsSuccessStatusCode)
            {
                last = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                if (done(last))
                {
                    return last;
                }
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"Session {sessionId} did not reach {what}; last status: {last}. Host log tail:\n" +
            string.Join('\n', Host.Logs.TakeLast(30).Select(l => $"{l.Level} {l.Category}: {l.Message}")));
    }
}
