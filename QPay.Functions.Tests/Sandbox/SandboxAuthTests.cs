using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using QPay.Sandbox;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

public sealed class SandboxAuthTests
{
    /// <summary>The iat of QPay's captured sandbox token (29 Jan 2026 07:02:05 GMT).</summary>
    private static readonly DateTimeOffset CapturedIssueTime = DateTimeOffset.FromUnixTimeSeconds(1769670125);

    [Fact]
    public async Task Token_body_has_the_fields_and_json_types_of_the_captured_sandbox_token()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);

        using var response = await TokenAsync(http);
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonShape.AssertSame(JsonShape.Fixture("auth-token.sandbox.json"), body);
        Assert.Equal("bearer", body.GetProperty("token_type").GetString());
        Assert.Equal("0", body.GetProperty("not-before-policy").GetString());
        Assert.Equal("get_token", body.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Token_expiries_are_absolute_epoch_seconds_of_issue_time_plus_a_day()
    {
        var clock = new FakeTimeProvider(CapturedIssueTime);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = Client(sandbox);

        var body = await JsonAsync(await TokenAsync(http));

        var fixture = JsonShape.Fixture("auth-token.sandbox.json");
        Assert.Equal(fixture.GetProperty("expires_in").GetInt64(), body.GetProperty("expires_in").GetInt64());
        Assert.Equal(1769756525, body.GetProperty("refresh_expires_in").GetInt64());
    }

    [Fact]
    public async Task Token_lifetime_is_configurable()
    {
        var clock = new FakeTimeProvider(CapturedIssueTime);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock, TokenLifetime = TimeSpan.FromMinutes(10) });
        using var http = Client(sandbox);

        var body = await JsonAsync(await TokenAsync(http));

        Assert.Equal(CapturedIssueTime.ToUnixTimeSeconds() + 600, body.GetProperty("expires_in").GetInt64());
    }

    [Fact]
    public async Task Access_token_is_an_hs256_jwt_with_the_quirky_exp_and_merchant_kktt()
    {
        var clock = new FakeTimeProvider(CapturedIssueTime);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = Client(sandbox);

        var body = await JsonAsync(await TokenAsync(http));
        var parts = body.GetProperty("access_token").GetString()!.Split('.');
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));

        Assert.Equal(3, parts.Length);
        Assert.Equal("HS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("KKTT", claims.RootElement.GetProperty("merchant_id").GetString());
        var iat = claims.RootElement.GetProperty("iat").GetInt64();
        Assert.Equal(CapturedIssueTime.ToUnixTimeSeconds(), iat);
        Assert.Equal(iat + body.GetProperty("expires_in").GetInt64(), claims.RootElement.GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Bad_credentials_get_401()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);

        using var response = await TokenAsync(http, "TEST_MERCHANT", "wrong");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("AUTHENTICATION_FAILED", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Call_without_bearer_gets_401_no_credendials_body()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);

        using var response = await http.GetAsync("/v2/invoice/7f0c6a1e-3b7d-4c52-9a7e-2f1d8b6c4e90");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"error":"NO_CREDENDIALS","message":"NO_CREDENDIALS"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Call_with_unknown_bearer_gets_401()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.e30.forged");

        using var response = await PostJsonAsync(http, "/v2/payment/check", """{"object_type":"INVOICE","object_id":"x"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("NO_CREDENDIALS", (await JsonAsync(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Production_spelling_switch_answers_no_credentials()
    {
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { UseNoCredentialsSpelling = true });
        using var http = Client(sandbox);

        using var response = await http.GetAsync("/v2/payment/493622150113497");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("NO_CREDENTIALS", (await JsonAsync(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Refresh_rotates_the_refresh_token_and_the_old_one_dies()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);
        var first = await JsonAsync(await TokenAsync(http));
        var oldRefresh = first.GetProperty("refresh_token").GetString()!;

        using var refreshed = await RefreshAsync(http, oldRefresh);
        var second = await JsonAsync(refreshed);
        using var reused = await RefreshAsync(http, oldRefresh);
        using var rotatedAgain = await RefreshAsync(http, second.GetProperty("refresh_token").GetString()!);

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        JsonShape.AssertSame(JsonShape.Fixture("auth-token.sandbox.json"), second);
        Assert.NotEqual(oldRefresh, second.GetProperty("refresh_token").GetString());
        Assert.NotEqual(first.GetProperty("access_token").GetString(), second.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);
        Assert.Equal("""{"error":"NO_CREDENDIALS","message":"NO_CREDENDIALS"}""", await reused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, rotatedAgain.StatusCode);
    }

    [Fact]
    public async Task Refreshed_access_token_works_on_the_api()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);
        var first = await JsonAsync(await TokenAsync(http));
        var second = await JsonAsync(await RefreshAsync(http, first.GetProperty("refresh_token").GetString()!));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", second.GetProperty("access_token").GetString());

        using var response = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Access_token_cannot_refresh_and_refresh_token_cannot_call_the_api()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);
        var tokens = await JsonAsync(await TokenAsync(http));

        using var refreshWithAccess = await RefreshAsync(http, tokens.GetProperty("access_token").GetString()!);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("refresh_token").GetString());
        using var apiWithRefresh = await http.GetAsync("/v2/invoice/none");

        Assert.Equal(HttpStatusCode.Unauthorized, refreshWithAccess.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, apiWithRefresh.StatusCode);
    }

    [Fact]
    public async Task Access_token_expires_when_the_fake_clock_reaches_expires_in()
    {
        var clock = new FakeTimeProvider(CapturedIssueTime);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);

        clock.Advance(TimeSpan.FromSeconds(86_399));
        using var justBefore = await http.GetAsync($"/v2/invoice/{invoiceId}");
        clock.Advance(TimeSpan.FromSeconds(1));
        using var atExpiry = await http.GetAsync($"/v2/invoice/{invoiceId}");

        Assert.Equal(HttpStatusCode.OK, justBefore.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, atExpiry.StatusCode);
        Assert.Equal("NO_CREDENDIALS", (await JsonAsync(atExpiry)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Late_refresh_gets_401_and_basic_login_still_works()
    {
        var clock = new FakeTimeProvider(CapturedIssueTime);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = Client(sandbox);
        var tokens = await JsonAsync(await TokenAsync(http));

        clock.Advance(TimeSpan.FromDays(1));
        using var late = await RefreshAsync(http, tokens.GetProperty("refresh_token").GetString()!);
        using var login = await TokenAsync(http);

        Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Tokens_expire_control_revokes_access_and_refresh_tokens()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);
        var tokens = await JsonAsync(await TokenAsync(http));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());
        using var before = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase));

        using var expire = await http.PostAsync("/sandbox/tokens/expire", null);
        using var after = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase));
        using var refresh = await RefreshAsync(http, tokens.GetProperty("refresh_token").GetString()!);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, expire.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }
}
