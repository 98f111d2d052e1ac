using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

public sealed class SandboxControlTests
{
    [Fact]
    public async Task Fault_with_status_500_answers_system_busy_until_its_count_is_used_up()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        using var added = await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.check","status":500,"count":2}""");

        using var first = await CheckAsync(http, invoiceId);
        using var second = await CheckAsync(http, invoiceId);
        using var third = await CheckAsync(http, invoiceId);

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        foreach (var failed in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal("""{"error":"SYSTEM_BUSY","message":"SYSTEM_BUSY"}""", await failed.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task Fault_hits_only_its_endpoint()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.get","status":503,"count":1}""");

        using var check = await CheckAsync(http, invoiceId);
        using var get = await http.GetAsync("/v2/payment/123456789012345");

        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
    }

    [Fact]
    public async Task Fault_with_delay_answers_normally_but_late()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"invoice.create","delayMs":400,"count":1}""");

        var started = Stopwatch.GetTimestamp();
        using var slow = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase));
        var slowElapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        Assert.True(slowElapsed >= TimeSpan.FromMilliseconds(390), $"answered after {slowElapsed.TotalMilliseconds} ms");
        Assert.Single(sandbox.State.Invoices);
    }

    [Fact]
    public async Task Deleting_the_faults_drops_those_not_yet_hit()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.check","status":500,"count":5}""");
        using var failing = await CheckAsync(http, "any");

        using var deleted = await http.DeleteAsync("/sandbox/faults");
        using var pending = await http.GetAsync("/sandbox/faults");
        using var next = await CheckAsync(http, "any");

        Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("{}", await pending.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, next.StatusCode);
    }

    [Fact]
    public async Task Fault_delay_can_outlast_a_client_timeout()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, DelayMs = 5_000 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.PostAsync(
            "/v2/payment/check", new StringContent("""{"object_type":"INVOICE","object_id":"any"}"""), timeout.Token));
        using var next = await CheckAsync(http, "any");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, next.StatusCode);
    }

    [Fact]
    public async Task Dropped_invoice_create_makes_the_invoice_and_then_aborts_the_connection()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"invoice.create","drop":true}""");

        await Assert.ThrowsAsync<HttpRequestException>(() => PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase, senderInvoiceNo: "LOST-1")));
        using var retry = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase, senderInvoiceNo: "LOST-1"));

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(2, sandbox.State.Invoices.Count);
        Assert.All(sandbox.State.Invoices, i => Assert.Equal("LOST-1", i.SenderInvoiceNo));
    }

    [Fact]
    public async Task Ebarimt_fault_can_answer_the_type_error_body()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"ebarimt.create","status":500,"error":"TypeError"}""");

        using var response = await PostJsonAsync(http, "/v2/ebarimt_v3/create", """{"payment_id":"1","ebarimt_receiver_type":"CITIZEN"}""");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("""{"message":"TypeError"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Fault_for_an_unknown_endpoint_key_is_refused()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);

        using var unknown = await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"invoice.list","status":500}""");
        using var nothing = await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"token","count":1}""");

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("payment.check", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
    }

    [Fact]
    public async Task Token_fault_fails_the_login()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"token","status":500}""");

        using var failed = await TokenAsync(http);
        using var succeeded = await TokenAsync(http);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, succeeded.StatusCode);
    }

    [Fact]
    public async Task Stats_count_calls_per_endpoint_key()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        for (var i = 0; i < 3; i++)
        {
            using var _ = await CheckAsync(http, invoiceId);
        }

        using var anonymous = new HttpClient { BaseAddress = sandbox.BaseUrl };
        using var unauthorized = await anonymous.GetAsync($"/v2/invoice/{invoiceId}");
        var stats = await JsonAsync(await http.GetAsync("/sandbox/stats"));

        Assert.Equal(1, stats.GetProperty("token").GetInt32());
        Assert.Equal(1, stats.GetProperty("invoice.create").GetInt32());
        Assert.Equal(3, stats.GetProperty("payment.check").GetInt32());
        Assert.Equal(1, stats.GetProperty("invoice.get").GetInt32());
        Assert.False(stats.TryGetProperty("payment.list", out _));
        Assert.Equal(3, sandbox.Stats["payment.check"]);
    }

    [Fact]
    public async Task Reset_clears_invoices_tokens_faults_and_stats()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"token","status":500,"count":5}""");

        using var reset = await http.PostAsync("/sandbox/reset", null);
        using var oldToken = await http.GetAsync($"/v2/invoice/{invoiceId}");
        var stats = await http.GetStringAsync("/sandbox/stats");
        using var login = await TokenAsync(http);
        using var view = await http.GetAsync($"/sandbox/invoices/{invoiceId}");

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Empty(sandbox.State.Invoices);
        Assert.Equal(HttpStatusCode.Unauthorized, oldToken.StatusCode);
        Assert.Equal("""{"invoice.get":1}""", stats);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, view.StatusCode);
    }

    [Fact]
    public async Task Two_sandboxes_run_side_by_side_on_free_loopback_ports()
    {
        await using var first = await QPaySandbox.StartAsync();
        await using var second = await QPaySandbox.StartAsync();

        Assert.Equal("127.0.0.1", first.BaseUrl.Host);
        Assert.NotEqual(first.BaseUrl.Port, second.BaseUrl.Port);
        Assert.NotEqual(0, first.BaseUrl.Port);
        using var http = Client(second);
        using var response = await TokenAsync(http);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Custom_credentials_replace_the_test_merchant()
    {
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { ClientId = "SHOP", ClientSecret = "s3cret", InvoiceCode = "SHOP_INVOICE" });
        using var http = Client(sandbox);

        using var old = await TokenAsync(http);
        using var custom = await TokenAsync(http, "SHOP", "s3cret");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await JsonAsync(custom)).GetProperty("access_token").GetString());
        using var create = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase).Replace("TEST_INVOICE", "SHOP_INVOICE", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, custom.StatusCode);
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
    }
}
