using System.Net;
using System.Text.Json;
using QPay.Sandbox;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

public sealed class SandboxCallbackTests
{
    [Fact]
    public async Task Pay_calls_back_with_get_appending_qpay_payment_id_to_the_existing_query()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { DefaultCallbackDuplicates = 0 });
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, receiver.Url("/payments/qpay/webhook?session=s-1&token=abc%2Bdef"));

        var paid = await PayAsync(http, invoiceId);

        var paymentId = paid.GetProperty("paymentId").GetString();
        var call = Assert.Single(receiver.Calls);
        Assert.Equal("GET", call.Method);
        Assert.Equal("/payments/qpay/webhook", call.Path);
        Assert.Equal($"?session=s-1&token=abc%2Bdef&qpay_payment_id={paymentId}", call.Query);
        Assert.Equal("", call.Authorization);
        Assert.Empty(call.CustomHeaders);
        Assert.Equal(200, paid.GetProperty("callbackStatus").GetInt32());
        Assert.Equal("SUCCESS", paid.GetProperty("callbackBody").GetString());
    }

    [Fact]
    public async Task Callback_url_without_query_gets_a_question_mark()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { DefaultCallbackDuplicates = 0 });
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, receiver.Url("/cb/ORD-1"));

        var paymentId = (await PayAsync(http, invoiceId)).GetProperty("paymentId").GetString();

        Assert.Equal($"?qpay_payment_id={paymentId}", Assert.Single(receiver.Calls).Query);
    }

    [Fact]
    public async Task Pay_sends_one_duplicate_callback_by_default_and_records_every_delivery()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, receiver.Url("/cb?k=1"));

        var paid = await PayAsync(http, invoiceId);

        var paymentId = paid.GetProperty("paymentId").GetString()!;
        Assert.Equal(2, receiver.Calls.Count);
        Assert.Single(receiver.Calls.Select(c => c.Query).Distinct());
        Assert.Equal(2, paid.GetProperty("deliveries").GetArrayLength());
        var recorded = sandbox.State.FindPayment(paymentId)!.Callbacks;
        Assert.Equal(2, recorded.Count);
        Assert.All(recorded, d =>
        {
            Assert.Equal(200, d.Status);
            Assert.Equal("SUCCESS", d.Body);
            Assert.True(d.Acknowledged);
        });
    }

    [Fact]
    public async Task Pay_with_duplicates_sends_that_many_extra_callbacks()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, receiver.Url("/cb"));

        var paid = await PayAsync(http, invoiceId, """{"duplicates":3}""");

        Assert.Equal(4, receiver.Calls.Count);
        Assert.Equal(4, paid.GetProperty("deliveries").GetArrayLength());
    }

    [Fact]
    public async Task Pay_without_callback_records_the_payment_silently()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, receiver.Url("/cb"));

        var paid = await PayAsync(http, invoiceId, """{"callback":false}""");

        Assert.Empty(receiver.Calls);
        Assert.Equal(JsonValueKind.Null, paid.GetProperty("callbackStatus").ValueKind);
        Assert.Empty(paid.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("CLOSED", paid.GetProperty("invoiceStatus").GetString());
    }

    [Fact]
    public async Task Reply_other_than_200_success_is_recorded_as_not_acknowledged()
    {
        await using var receiver = await CallbackReceiver.StartAsync(status: 500, body: "boom");
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { DefaultCallbackDuplicates = 0 });
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, receiver.Url("/cb"));

        var paid = await PayAsync(http, invoiceId);

        Assert.Equal(500, paid.GetProperty("callbackStatus").GetInt32());
        Assert.Equal("boom", paid.GetProperty("callbackBody").GetString());
        Assert.False(paid.GetProperty("deliveries")[0].GetProperty("acknowledged").GetBoolean());
    }

    [Fact]
    public async Task Unreachable_callback_is_recorded_with_an_error()
    {
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { DefaultCallbackDuplicates = 0 });
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, "http://127.0.0.1:9/cb");

        var paid = await PayAsync(http, invoiceId);

        Assert.Equal(JsonValueKind.Null, paid.GetProperty("callbackStatus").ValueKind);
        Assert.False(string.IsNullOrEmpty(paid.GetProperty("deliveries")[0].GetProperty("error").GetString()));
        Assert.Equal(SandboxInvoiceStatus.Closed, sandbox.State.FindInvoice(invoiceId)!.Status);
    }

    [Fact]
    public async Task Control_invoice_view_shows_payments_and_callback_deliveries()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var callbackUrl = receiver.Url("/cb?k=9f3c1a");
        var invoiceId = await CreateInvoiceAsync(http, callbackUrl, amount: 2500, senderInvoiceNo: "ORD-77");
        var paymentId = (await PayAsync(http, invoiceId, """{"amount":1000}""")).GetProperty("paymentId").GetString();

        using var response = await http.GetAsync($"/sandbox/invoices/{invoiceId}");
        var view = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ORD-77", view.GetProperty("senderInvoiceNo").GetString());
        Assert.Equal(2500m, view.GetProperty("amount").GetDecimal());
        Assert.Equal(1000m, view.GetProperty("paidAmount").GetDecimal());
        Assert.Equal(callbackUrl, view.GetProperty("callbackUrl").GetString());
        Assert.Equal("OPEN", view.GetProperty("status").GetString());
        var payment = Assert.Single(view.GetProperty("payments").EnumerateArray());
        Assert.Equal(paymentId, payment.GetProperty("paymentId").GetString());
        Assert.Equal(2, payment.GetProperty("deliveries").GetArrayLength());
        Assert.Equal(2, view.GetProperty("callbackDeliveries").GetArrayLength());
        Assert.True(view.GetProperty("callbackDeliveries")[0].GetProperty("acknowledged").GetBoolean());
    }

    [Fact]
    public async Task Pay_control_refuses_unknown_canceled_and_fully_paid_invoices()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var canceled = await CreateInvoiceAsync(http, senderInvoiceNo: "C1");
        await http.DeleteAsync($"/v2/invoice/{canceled}");
        var paid = await CreateInvoiceAsync(http, senderInvoiceNo: "P1");
        await PayAsync(http, paid, """{"callback":false}""");

        using var unknown = await http.PostAsync("/sandbox/invoices/nope/pay", null);
        using var onCanceled = await http.PostAsync($"/sandbox/invoices/{canceled}/pay", null);
        using var onPaid = await http.PostAsync($"/sandbox/invoices/{paid}/pay", null);
        using var badType = await PostJsonAsync(http, $"/sandbox/invoices/{paid}/pay", """{"type":"CASH"}""");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, onCanceled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, onPaid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
    }
}
