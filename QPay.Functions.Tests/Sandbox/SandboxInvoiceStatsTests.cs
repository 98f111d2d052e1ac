using System.Net;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

/// <summary><c>GET /sandbox/stats/invoices</c> and <see cref="QPaySandbox.InvoiceCalls"/>: the calls that name an invoice, per invoice.</summary>
public sealed class SandboxInvoiceStatsTests
{
    [Fact]
    public async Task Calls_naming_an_invoice_are_timed_per_invoice_and_endpoint_faulted_ones_included()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var first = await CreateInvoiceAsync(http, senderInvoiceNo: "STATS-1");
        var second = await CreateInvoiceAsync(http, senderInvoiceNo: "STATS-2");
        var before = DateTimeOffset.UtcNow;
        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, Status = 500 });

        using var faulted = await CheckAsync(http, first);
        using var checkedOnce = await CheckAsync(http, first);
        using var checkedSecond = await CheckAsync(http, second);
        using var fetched = await http.GetAsync($"/v2/invoice/{second}");
        using var cancelled = await http.DeleteAsync($"/v2/invoice/{second}");
        using var listed = await PostJsonAsync(http, "/v2/payment/list",
            $$$"""{"object_type":"INVOICE","object_id":"{{{first}}}","offset":{"page_number":1,"page_limit":100}}""");
        using var unknown = await CheckAsync(http, "no-such-invoice");
        using var byQr = await PostJsonAsync(http, "/v2/payment/check", """{"object_type":"QR","object_id":"some-qr-text"}""");
        var calls = sandbox.InvoiceCalls;
        var json = await JsonAsync(await http.GetAsync("/sandbox/stats/invoices"));

        Assert.Equal(HttpStatusCode.InternalServerError, faulted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, checkedOnce.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(new[] { EndpointKeys.PaymentCheck, EndpointKeys.PaymentList }, calls[first].Keys);
        Assert.Equal(2, calls[first][EndpointKeys.PaymentCheck].Count);
        Assert.Single(calls[first][EndpointKeys.PaymentList]);
        Assert.Equal(new[] { EndpointKeys.InvoiceCancel, EndpointKeys.InvoiceGet, EndpointKeys.PaymentCheck }, calls[second].Keys);
        Assert.All(calls.Values.SelectMany(c => c.Values).SelectMany(t => t), at => Assert.InRange(at, before, DateTimeOffset.UtcNow));
        Assert.True(calls[first][EndpointKeys.PaymentCheck][0] <= calls[first][EndpointKeys.PaymentCheck][1]);
        Assert.Single(calls["no-such-invoice"][EndpointKeys.PaymentCheck]); // counted as it arrived, though QPay answers it not found
        Assert.Equal(3, calls.Count); // a check by QR text names no invoice id
        Assert.Equal(2, json.GetProperty(first).GetProperty(EndpointKeys.PaymentCheck).GetArrayLength());
        Assert.Equal(1, json.GetProperty(second).GetProperty(EndpointKeys.InvoiceCancel).GetArrayLength());
    }

    [Fact]
    public async Task The_endpoint_still_reads_the_body_the_stats_read_first()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        await PayAsync(http, invoiceId, """{"callback":false}""");

        using var check = await CheckAsync(http, invoiceId);
        var body = await JsonAsync(check);

        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Equal(1, body.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Reset_clears_the_invoice_stats()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        using var _ = await CheckAsync(http, invoiceId);

        using var reset = await http.PostAsync("/sandbox/reset", null);
        var stats = await http.GetStringAsync("/sandbox/stats/invoices");

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal("{}", stats);
        Assert.Empty(sandbox.InvoiceCalls);
    }
}
