using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using QPay.Functions.QPayApi;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.QPayApi;

/// <summary>The QPay client against the sandbox simulator and the real Redis.</summary>
public sealed class QPayClientSandboxTests
{
    [Fact]
    public async Task Every_endpoint_round_trips_against_the_sandbox()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var client = harness.Get<IQPayClient>();

        var invoice = await client.CreateInvoiceAsync(Invoice("roundtrip1", 5000m), default);
        var unpaid = await client.CheckInvoicePaymentsAsync(invoice.InvoiceId, default);
        var paymentId = await harness.PayAsync(invoice.InvoiceId);
        var paid = await client.CheckInvoicePaymentsAsync(invoice.InvoiceId, default);
        var other = await client.CreateInvoiceAsync(Invoice("roundtrip2", 100m), default);
        await client.CancelInvoiceAsync(other.InvoiceId, default);

        Assert.Equal(13, invoice.Deeplinks.Count);
        Assert.StartsWith("https://s.qpay.mn/", invoice.ShortUrl);
        Assert.Empty(unpaid.Rows);
        Assert.Equal(5000m, paid.CountedRows(invoice.InvoiceId).Sum(r => r.Amount));
        Assert.Equal(paymentId, Assert.Single(paid.Rows).PaymentId);
        var error = await Assert.ThrowsAsync<QPayApiException>(() => client.CancelInvoiceAsync(other.InvoiceId, default));
        Assert.Equal("INVOICE_ALREADY_CANCELED", error.ErrorCode);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.Token));
    }

    [Fact]
    public async Task Two_instances_sharing_redis_fetch_one_token_between_them()
    {
        var tokenKey = "test:qpay:token:" + Guid.NewGuid().ToString("N");
        await using var first = await PaymentsHarness.StartAsync(tokenCacheKey: tokenKey);
        using var second = TestApp.Build(
            new Dictionary<string, string?> { ["QPAY_BASE_URL"] = first.Sandbox.BaseUrl.ToString().TrimEnd('/') },
            s => s.PostConfigure<QPayOptions>(o => o.TokenCacheKey = tokenKey));
        var invoice = await first.Get<IQPayClient>().CreateInvoiceAsync(Invoice("shared1", 100m), default);

        var calls = Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? first.Services : second.Services).GetRequiredService<IQPayClient>().CheckInvoicePaymentsAsync(invoice.InvoiceId, default));
        await Task.WhenAll(calls);

        Assert.Equal(1, first.QPayCalls(EndpointKeys.Token));
        Assert.Equal(21, first.QPayCalls(EndpointKeys.PaymentCheck) + first.QPayCalls(EndpointKeys.InvoiceCreate));
    }

    [Fact]
    public async Task A_slow_login_is_still_made_once_for_two_instances()
    {
        var tokenKey = "test:qpay:token:" + Guid.NewGuid().ToString("N");
        // Attempts that outlast the slow login even on a loaded machine: a timed-out attempt would log in again.
        var patient = new Dictionary<string, string?> { ["QPAY_ATTEMPT_TIMEOUT_SEC"] = "30", ["QPAY_TOTAL_TIMEOUT_SEC"] = "60" };
        await using var first = await PaymentsHarness.StartAsync(settings: patient, tokenCacheKey: tokenKey);
        using var second = TestApp.Build(
            new Dictionary<string, string?>(patient) { ["QPAY_BASE_URL"] = first.Sandbox.BaseUrl.ToString().TrimEnd('/') },
            s => s.PostConfigure<QPayOptions>(o => o.TokenCacheKey = tokenKey));
        first.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.Token, DelayMs = 6_000, Count = 2 }); // past the old 5 s wait

        var a = first.Get<IQPayClient>().CheckInvoicePaymentsAsync("no-such-invoice", default);
        await Task.Delay(300);
        var b = second.Services.GetRequiredService<IQPayClient>().CheckInvoicePaymentsAsync("no-such-invoice", default);
        await Task.WhenAll(a.ContinueWith(_ => { }), b.ContinueWith(_ => { }));

        Assert.Equal(1, first.QPayCalls(EndpointKeys.Token));
    }

    [Fact]
    public async Task Near_expiry_the_refresh_token_is_used_and_after_its_expiry_a_login()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await PaymentsHarness.StartAsync(s =>
        {
            s.Clock = clock;
            s.TokenLifetime = TimeSpan.FromMinutes(10);
        });
        var tokens = TokenCacheWith(harness, clock);

        var first = await tokens.GetAccessTokenAsync(default);
        clock.Advance(TimeSpan.FromMinutes(5));
        var stillFirst = await tokens.GetAccessTokenAsync(default);
        clock.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(10)); // within the 60 s renewal margin
        var refreshed = await tokens.GetAccessTokenAsync(default);
        clock.Advance(TimeSpan.FromMinutes(11)); // access and refresh token both expired
        var loggedIn = await tokens.GetAccessTokenAsync(default);

        Assert.Equal(first, stillFirst);
        Assert.NotEqual(first, refreshed);
        Assert.NotEqual(refreshed, loggedIn);
        Assert.Equal(2, harness.QPayCalls(EndpointKeys.Token));
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.Refresh));
    }

    [Fact]
    public async Task Token_revoked_mid_flight_costs_one_login_and_one_retry()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var client = harness.Get<IQPayClient>();
        var invoice = await client.CreateInvoiceAsync(Invoice("revoked1", 100m), default);

        harness.Sandbox.ExpireTokens();
        var result = await client.CheckInvoicePaymentsAsync(invoice.InvoiceId, default);

        Assert.Empty(result.Rows);
        Assert.Equal(2, harness.QPayCalls(EndpointKeys.Token));
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.Refresh));
        Assert.Equal(2, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    [Fact]
    public async Task Concurrent_calls_after_a_revocation_share_a_single_login()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var client = harness.Get<IQPayClient>();
        var invoice = await client.CreateInvoiceAsync(Invoice("revoked2", 100m), default);

        harness.Sandbox.ExpireTokens();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.CheckInvoicePaymentsAsync(invoice.InvoiceId, default)));

        Assert.Equal(2, harness.QPayCalls(EndpointKeys.Token));
    }

    [Fact]
    public async Task Server_error_on_payment_check_is_retried_and_succeeds()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var client = harness.Get<IQPayClient>();
        var invoice = await client.CreateInvoiceAsync(Invoice("retry1", 100m), default);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, Status = 500, Count = 2 });

        var result = await client.CheckInvoicePaymentsAsync(invoice.InvoiceId, default);

        Assert.Empty(result.Rows);
        Assert.Equal(3, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    [Fact]
    public async Task Server_error_on_invoice_creation_is_not_retried_and_surfaces_qpay_code()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCreate, Status = 500 });

        var error = await Assert.ThrowsAsync<QPayApiException>(() => harness.Get<IQPayClient>().CreateInvoiceAsync(Invoice("noretry1", 100m), default));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal("SYSTEM_BUSY", error.ErrorCode);
        Assert.True(error.IsAmbiguous);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.InvoiceCreate));
        Assert.Empty(harness.Sandbox.State.Invoices);
    }

    [Fact]
    public async Task Invoice_creation_stalling_past_the_attempt_timeout_fails_once_as_a_timeout()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["QPAY_ATTEMPT_TIMEOUT_SEC"] = "3" });
        // Far past the timeout, so the request surely reaches the sandbox first; the delay ends when the client gives up.
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCreate, DelayMs = 60_000 });

        var error = await Assert.ThrowsAsync<QPayApiException>(() => harness.Get<IQPayClient>().CreateInvoiceAsync(Invoice("slow1", 100m), default));

        Assert.Equal("TIMEOUT", error.ErrorCode);
        Assert.Null(error.StatusCode);
        Assert.True(error.IsAmbiguous);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.InvoiceCreate));
    }

    [Fact]
    public async Task An_answer_whose_body_stalls_after_its_headers_times_out_within_the_attempt_timeout()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["QPAY_ATTEMPT_TIMEOUT_SEC"] = "2",
            ["QPAY_TOTAL_TIMEOUT_SEC"] = "4",
        });
        await harness.Get<IQPayTokenProvider>().GetAccessTokenAsync(default); // the login is not what is measured
        // The invoice is created and its answer's headers sent; the rest of the body comes a minute later.
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCreate, StallBodyMs = 60_000 });
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<QPayApiException>(() => harness.Get<IQPayClient>().CreateInvoiceAsync(Invoice("stall1", 100m), default));

        // Before, the body was read after the resilience pipeline, under no timeout: this call lasted the whole minute.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"the call took {started.Elapsed}");
        Assert.Equal("TIMEOUT", error.ErrorCode);
        Assert.True(error.IsAmbiguous);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.InvoiceCreate)); // not retried: it is not safe to
    }

    [Fact]
    public async Task Dropped_connection_after_invoice_creation_surfaces_as_ambiguous_and_is_not_retried()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCreate, Drop = true });

        var error = await Assert.ThrowsAsync<QPayApiException>(() => harness.Get<IQPayClient>().CreateInvoiceAsync(Invoice("drop1", 100m), default));

        Assert.Equal("UNREACHABLE", error.ErrorCode);
        Assert.True(error.IsAmbiguous);
        Assert.Single(harness.Sandbox.State.Invoices);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.InvoiceCreate));
    }

    [Fact]
    public async Task With_redis_unreachable_the_client_keeps_a_token_per_process()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["REDIS_DATABASE_URI"] = $"redis://127.0.0.1:{LocalStack.FreePort()}",
        });
        var client = harness.Get<IQPayClient>();

        var invoice = await client.CreateInvoiceAsync(Invoice("noredis1", 100m), default);
        await client.CheckInvoicePaymentsAsync(invoice.InvoiceId, default);
        await client.CheckInvoicePaymentsAsync(invoice.InvoiceId, default);

        Assert.Equal(1, harness.QPayCalls(EndpointKeys.Token));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "RedisDegraded");
    }

    [Fact]
    public async Task Logs_of_a_client_session_hold_no_secret_token_or_authorization_header()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var client = harness.Get<IQPayClient>();
        var invoice = await client.CreateInvoiceAsync(Invoice("hygiene1", 100m), default);
        harness.Sandbox.ExpireTokens();
        await client.CheckInvoicePaymentsAsync(invoice.InvoiceId, default);
        var token = await harness.Get<IQPayTokenProvider>().GetAccessTokenAsync(default);

        var logs = string.Join('\n', harness.Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception));
        Assert.NotEmpty(logs);
        Assert.DoesNotContain(token, logs);
        Assert.DoesNotContain(Convert.ToBase64String("TEST_MERCHANT:123456"u8), logs);
        Assert.DoesNotContain("Bearer", logs);
        Assert.DoesNotContain("Basic ", logs);
        Assert.DoesNotContain("Authorization", logs);
    }

    private static CreateInvoiceRequest Invoice(string senderInvoiceNo, decimal amount) =>
        new(senderInvoiceNo, $"Test {senderInvoiceNo}", amount, new Uri($"http://127.0.0.1:9/payments/qpay/webhook?sessionId={senderInvoiceNo}&token=t"));

    /// <summary>A token cache on a fake clock (the rest of the app keeps the system clock for its timeouts).</summary>
    private static QPayTokenCache TokenCacheWith(PaymentsHarness harness, TimeProvider clock)
    {
        var options = harness.Get<IOptions<QPayOptions>>();
        var auth = new QPayAuthClient(harness.Get<IHttpClientFactory>(), harness.Get<IOptionsMonitor<QPayOptions>>(), clock, NullLogger<QPayAuthClient>.Instance);
        return new QPayTokenCache(auth, harness.Get<RedisConnection>(), options, clock, harness.Get<PaymentMetrics>(), NullLogger<QPayTokenCache>.Instance);
    }
}
