using System.Text.Json;
using QPay.Functions.QPayApi;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.QPayApi;

/// <summary><c>POST /v2/payment/list</c> and <c>GET /v2/invoice/{id}</c> on the wire, as the ledger check uses them.</summary>
public sealed class QPayPaymentListTests
{
    private static readonly DateTimeOffset From = new(2026, 1, 14, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Payment_list_sends_object_dates_in_qpay_format_and_the_page()
    {
        var handler = new StubHttpHandler(_ => StubHttpHandler.Json("""{"count":0,"rows":[]}"""));
        var client = StubQPayClient.Over(handler);

        await client.ListPaymentsAsync(new PaymentListRequest("MERCHANT", "TEST_INVOICE", From, From.AddDays(1).AddHours(8), 3, 100), CancellationToken.None);

        var (method, path, body) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, method);
        Assert.Equal("/v2/payment/list", path);
        using var json = JsonDocument.Parse(body!);
        Assert.Equal("MERCHANT", json.RootElement.GetProperty("object_type").GetString());
        Assert.Equal("TEST_INVOICE", json.RootElement.GetProperty("object_id").GetString());
        Assert.Equal("2026-01-14 00:00:00", json.RootElement.GetProperty("start_date").GetString());
        Assert.Equal("2026-01-15 08:00:00", json.RootElement.GetProperty("end_date").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("offset").GetProperty("page_number").GetInt32());
        Assert.Equal(100, json.RootElement.GetProperty("offset").GetProperty("page_limit").GetInt32());
    }

    [Fact]
    public void Dates_given_with_an_offset_are_sent_in_utc() =>
        Assert.Equal("2026-01-13 16:00:00", QPayClient.ListDate(new DateTimeOffset(2026, 1, 14, 0, 0, 0, TimeSpan.FromHours(8))));

    [Fact]
    public async Task Payment_list_rows_read_the_list_names_and_the_total_count()
    {
        var client = StubQPayClient.Answering(
            """
            {"count":7,"rows":[{"payment_id":"089741882240445","payment_date":"2026-01-14T03:25:40.112Z","payment_status":"PAID",
             "payment_fee":"1.00","payment_amount":"2500.00","payment_currency":"MNT","payment_wallet":"qPay wallet",
             "payment_name":"s1","payment_description":"d","qr_code":"q","paid_by":"P2P","object_type":"INVOICE","object_id":"inv-1"},
             {"payment_id":512034987650123,"payment_status":"REFUNDED","payment_amount":100,"object_type":"INVOICE","object_id":"inv-2"}]}
            """);

        var page = await client.ListPaymentsAsync(new PaymentListRequest("MERCHANT", "TEST_INVOICE", From, From.AddDays(1), 1, 100), CancellationToken.None);

        Assert.Equal(7, page.Count);
        Assert.Equal(2, page.Rows.Count);
        var row = page.Rows[0];
        Assert.Equal("089741882240445", row.PaymentId);
        Assert.Equal("PAID", row.Status);
        Assert.Equal(2500.00m, row.Amount);
        Assert.Equal(1.00m, row.Fee);
        Assert.Equal("P2P", row.PaymentType);
        Assert.Equal("INVOICE", row.ObjectType);
        Assert.Equal("inv-1", row.ObjectId);
        Assert.Equal(new DateTimeOffset(2026, 1, 14, 3, 25, 40, 112, TimeSpan.Zero), row.PaidAt);
        Assert.Equal("512034987650123", page.Rows[1].PaymentId);
        Assert.Null(page.Rows[1].PaidAt);
    }

    [Fact]
    public async Task A_list_without_count_answers_no_count_rather_than_the_page_size()
    {
        var client = StubQPayClient.Answering("""{"rows":[{"payment_id":"1","payment_status":"PAID"}]}""");

        var page = await client.ListPaymentsAsync(new PaymentListRequest("MERCHANT", "TEST_INVOICE", From, From.AddDays(1), 1, 1), CancellationToken.None);

        Assert.Null(page.Count);
        Assert.Single(page.Rows);
    }

    [Fact]
    public async Task Invoice_get_reads_sender_invoice_no_and_status()
    {
        var handler = new StubHttpHandler(_ => StubHttpHandler.Json(
            """{"invoice_id":"inv-1","invoice_status":"CLOSED","sender_invoice_no":"ORD20260114001","total_amount":"2500.00","gross_amount":2500}"""));
        var client = StubQPayClient.Over(handler);

        var invoice = await client.GetInvoiceAsync("inv-1", CancellationToken.None);

        Assert.Equal(new QPayInvoiceInfo("inv-1", "CLOSED", "ORD20260114001"), invoice);
        Assert.Equal(("GET", "/v2/invoice/inv-1"), (handler.Requests[0].Method.Method, handler.Requests[0].Path));
    }

    [Fact]
    public async Task Server_error_on_payment_list_is_retried_because_it_only_reads()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var client = harness.Get<IQPayClient>();
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentList, Status = 500, Error = "SYSTEM_BUSY", Count = 2 });

        var page = await client.ListPaymentsAsync(new PaymentListRequest("MERCHANT", "TEST_INVOICE", From, From.AddDays(1), 1, 100), CancellationToken.None);

        Assert.Empty(page.Rows);
        Assert.Equal(3, harness.QPayCalls(EndpointKeys.PaymentList));
    }
}
