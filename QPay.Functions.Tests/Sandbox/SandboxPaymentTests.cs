using System.Net;
using System.Text.Json;
using QPay.Sandbox;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

public sealed class SandboxPaymentTests
{
    [Fact]
    public async Task Payment_check_of_an_unpaid_invoice_is_the_empty_envelope()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);

        using var response = await CheckAsync(http, invoiceId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"count":0,"paid_amount":0,"rows":[]}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Payment_check_rows_carry_amounts_as_strings()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 2500);
        var paid = await PayAsync(http, invoiceId, """{"type":"CARD","callback":false}""");

        var body = await JsonAsync(await CheckAsync(http, invoiceId));
        var row = body.GetProperty("rows")[0];

        JsonShape.AssertSame(JsonShape.Fixture("payment-check.card.json"), body);
        Assert.Equal(1, body.GetProperty("count").GetInt32());
        Assert.Equal("2500", body.GetProperty("paid_amount").GetRawText());
        Assert.Equal(paid.GetProperty("paymentId").GetString(), row.GetProperty("payment_id").GetString());
        Assert.Equal("2500.00", row.GetProperty("payment_amount").GetString());
        Assert.Equal(JsonValueKind.String, row.GetProperty("trx_fee").ValueKind);
        Assert.Equal("CARD", row.GetProperty("payment_type").GetString());
        Assert.Equal("PAID", row.GetProperty("payment_status").GetString());
        Assert.Equal("2500.00", row.GetProperty("card_transactions")[0].GetProperty("amount").GetString());
    }

    [Fact]
    public async Task Payment_check_p2p_row_has_p2p_transactions_and_a_15_digit_id()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        await PayAsync(http, invoiceId, """{"callback":false}""");

        var row = (await JsonAsync(await CheckAsync(http, invoiceId))).GetProperty("rows")[0];

        Assert.Matches("^[0-9]{15}$", row.GetProperty("payment_id").GetString());
        Assert.Equal("P2P", row.GetProperty("payment_type").GetString());
        Assert.Empty(row.GetProperty("card_transactions").EnumerateArray());
        Assert.Equal("SETTLED", row.GetProperty("p2p_transactions")[0].GetProperty("settlement_status").GetString());
    }

    [Fact]
    public async Task Payment_check_pages_with_offset_and_counts_every_row()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 3000);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await PayAsync(http, invoiceId, """{"amount":1000,"callback":false}""")).GetProperty("paymentId").GetString()!);
        }

        var page1 = await JsonAsync(await CheckAsync(http, invoiceId, pageNumber: 1, pageLimit: 2));
        var page2 = await JsonAsync(await CheckAsync(http, invoiceId, pageNumber: 2, pageLimit: 2));
        var page3 = await JsonAsync(await CheckAsync(http, invoiceId, pageNumber: 3, pageLimit: 2));

        Assert.Equal(3, page1.GetProperty("count").GetInt32());
        Assert.Equal(3000m, page1.GetProperty("paid_amount").GetDecimal());
        Assert.Equal(ids[..2], page1.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("payment_id").GetString()));
        Assert.Equal([ids[2]], page2.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("payment_id").GetString()));
        Assert.Empty(page3.GetProperty("rows").EnumerateArray());
    }

    [Fact]
    public async Task Payment_check_with_page_limit_below_1_is_a_nested_min_number_400()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);

        using var response = await CheckAsync(http, invoiceId, pageLimit: 0);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            """{"error":{"page_limit":{"type":"MIN_NUMBER","message":"Number min value [1]!"}},"message":{"page_limit":{"type":"MIN_NUMBER","message":"Number min value [1]!"}}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Partial_payments_keep_the_invoice_open_until_fully_paid()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 2500);

        var partial = await PayAsync(http, invoiceId, """{"amount":1000,"callback":false}""");
        var statusAfterPartial = (await JsonAsync(await http.GetAsync($"/v2/invoice/{invoiceId}"))).GetProperty("invoice_status").GetString();
        var rest = await PayAsync(http, invoiceId, """{"callback":false}""");
        var statusAfterRest = (await JsonAsync(await http.GetAsync($"/v2/invoice/{invoiceId}"))).GetProperty("invoice_status").GetString();

        Assert.Equal("OPEN", partial.GetProperty("invoiceStatus").GetString());
        Assert.Equal("OPEN", statusAfterPartial);
        Assert.Equal(1500m, rest.GetProperty("amount").GetDecimal());
        Assert.Equal("CLOSED", statusAfterRest);
        Assert.Equal(SandboxInvoiceStatus.Closed, sandbox.State.FindInvoice(invoiceId)!.Status);
        Assert.Equal(2500m, sandbox.State.FindInvoice(invoiceId)!.PaidAmount);
    }

    [Fact]
    public async Task Concurrent_partial_payments_are_all_recorded_and_close_the_invoice_once()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 2000);

        var paid = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PayAsync(http, invoiceId, """{"amount":100,"callback":false}""")));
        var body = await JsonAsync(await CheckAsync(http, invoiceId));

        Assert.Equal(20, paid.Select(p => p.GetProperty("paymentId").GetString()).Distinct().Count());
        Assert.Single(paid, p => p.GetProperty("invoiceStatus").GetString() == "CLOSED" && p.GetProperty("paidAmount").GetDecimal() == 2000m);
        Assert.Equal(20, body.GetProperty("count").GetInt32());
        Assert.Equal(2000m, body.GetProperty("paid_amount").GetDecimal());
        Assert.Equal(SandboxInvoiceStatus.Closed, sandbox.State.FindInvoice(invoiceId)!.Status);
    }

    [Fact]
    public async Task Payment_get_has_the_fields_and_types_of_the_p2p_example()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 100);
        var paymentId = (await PayAsync(http, invoiceId, """{"type":"P2P","callback":false}""")).GetProperty("paymentId").GetString();

        using var response = await http.GetAsync($"/v2/payment/{paymentId}");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonShape.AssertSame(JsonShape.Fixture("payment-get.p2p.json"), body);
        Assert.Equal(invoiceId, body.GetProperty("object_id").GetString());
        Assert.Equal("INVOICE", body.GetProperty("object_type").GetString());
        Assert.Equal("P2P", body.GetProperty("transaction_type").GetString());
        Assert.Equal("100.00", body.GetProperty("payment_amount").GetString());
        Assert.Equal("1.00", body.GetProperty("payment_fee").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", body.GetProperty("payment_date").GetString());
    }

    [Fact]
    public async Task Card_payment_ids_are_uuids_and_leading_zero_p2p_ids_survive()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 3000);

        var card = await PayAsync(http, invoiceId, """{"amount":1000,"type":"CARD","callback":false}""");
        var p2p = await PayAsync(http, invoiceId, """{"amount":1000,"type":"P2P","paymentId":"089741882240445","callback":false}""");
        var fetched = await JsonAsync(await http.GetAsync("/v2/payment/089741882240445"));

        Assert.True(Guid.TryParse(card.GetProperty("paymentId").GetString(), out _));
        Assert.Equal("089741882240445", p2p.GetProperty("paymentId").GetString());
        Assert.Equal("089741882240445", fetched.GetProperty("payment_id").GetString());
    }

    [Fact]
    public async Task Unknown_payment_answers_422_payment_notfound()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        using var response = await http.GetAsync("/v2/payment/493622150113497");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("PAYMENT_NOTFOUND", (await JsonAsync(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Card_refund_answers_empty_object_marks_refunded_and_a_repeat_is_already_canceled()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = (await PayAsync(http, invoiceId, """{"type":"CARD","callback":false}""")).GetProperty("paymentId").GetString();

        using var refund = await DeleteWithBodyAsync(http, $"/v2/payment/refund/{paymentId}", """{"note":"customer asked"}""");
        var status = (await JsonAsync(await http.GetAsync($"/v2/payment/{paymentId}"))).GetProperty("payment_status").GetString();
        using var cancel = await DeleteWithBodyAsync(http, $"/v2/payment/cancel/{paymentId}", """{"callback_url":"https://shop.example.mn/x","note":"again"}""");

        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        Assert.Equal("{}", await refund.Content.ReadAsStringAsync());
        Assert.Equal("REFUNDED", status);
        Assert.Equal(HttpStatusCode.BadRequest, cancel.StatusCode);
        Assert.Equal("PAYMENT_ALREADY_CANCELED", (await JsonAsync(cancel)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task P2p_payment_cannot_be_canceled_because_it_is_settled()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = (await PayAsync(http, invoiceId, """{"callback":false}""")).GetProperty("paymentId").GetString();

        using var response = await http.DeleteAsync($"/v2/payment/cancel/{paymentId}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("""{"error":"PAYMENT_SETTLED","message":"PAYMENT_SETTLED"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Payment_list_by_invoice_code_lists_every_payment_with_list_names()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var first = await CreateInvoiceAsync(http, senderInvoiceNo: "A1");
        var second = await CreateInvoiceAsync(http, senderInvoiceNo: "A2");
        await PayAsync(http, first, """{"callback":false}""");
        await PayAsync(http, second, """{"type":"CARD","callback":false}""");

        using var response = await PostJsonAsync(http, "/v2/payment/list",
            """{"object_type":"INVOICE","object_id":"TEST_INVOICE","offset":{"page_number":1,"page_limit":1000}}""");
        var body = await JsonAsync(response);
        using var byInvoice = await PostJsonAsync(http, "/v2/payment/list",
            $$"""{"object_type":"INVOICE","object_id":"{{second}}","offset":{"page_number":1,"page_limit":10} }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, body.GetProperty("count").GetInt32());
        var row = body.GetProperty("rows")[1];
        Assert.Equal("CARD", row.GetProperty("paid_by").GetString());
        Assert.Equal(second, row.GetProperty("object_id").GetString());
        Assert.Equal("2500.00", row.GetProperty("payment_amount").GetString());
        Assert.Equal(JsonValueKind.String, row.GetProperty("payment_fee").ValueKind);
        Assert.Equal(1, (await JsonAsync(byInvoice)).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Ebarimt_create_answers_the_receipt_shape_and_cancel_removes_it()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 200);
        var paymentId = (await PayAsync(http, invoiceId, """{"callback":false}""")).GetProperty("paymentId").GetString();

        using var create = await PostJsonAsync(http, "/v2/ebarimt_v3/create",
            $$"""{"payment_id":"{{paymentId}}","ebarimt_receiver_type":"CITIZEN","ebarimt_receiver":"88614450","district_code":"3505"}""");
        var receipt = await JsonAsync(create);
        using var cancel = await http.DeleteAsync($"/v2/ebarimt_v3/{paymentId}");
        using var again = await http.DeleteAsync($"/v2/ebarimt_v3/{paymentId}");

        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        JsonShape.AssertSame(JsonShape.Fixture("ebarimt-v3-create.json"), receipt);
        Assert.Equal(paymentId, receipt.GetProperty("g_payment_id").GetString());
        Assert.Equal("200.00", receipt.GetProperty("amount").GetString());
        Assert.Equal("REGISTERED", receipt.GetProperty("barimt_status").GetString());
        Assert.Equal("88*144*0", receipt.GetProperty("ebarimt_receiver_phone").GetString());
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.Equal("BARIMT_NOT_FOUND", (await JsonAsync(again)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Ebarimt_create_with_a_bad_receiver_type_is_a_nested_400()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        using var response = await PostJsonAsync(http, "/v2/ebarimt_v3/create", """{"payment_id":"1","ebarimt_receiver_type":"ALIEN"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID", (await JsonAsync(response)).GetProperty("error").GetProperty("ebarimt_receiver_type").GetProperty("type").GetString());
    }

    private static async Task<HttpResponseMessage> DeleteWithBodyAsync(HttpClient http, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        return await http.SendAsync(request);
    }
}
