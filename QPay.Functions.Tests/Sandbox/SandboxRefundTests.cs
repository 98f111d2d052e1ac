using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

/// <summary>
/// <c>DELETE /v2/payment/refund/{payment_id}</c>: card payments are refunded, P2P ones are settled, a repeat is
/// already canceled; faults on <c>payment.refund</c> fail, stall or drop the call; stats count every call.
/// </summary>
public sealed class SandboxRefundTests
{
    [Fact]
    public async Task Card_refund_answers_empty_object_and_marks_the_payment_refunded()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = await PayCardAsync(http, invoiceId);

        using var refund = await RefundAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        Assert.Equal("{}", await refund.Content.ReadAsStringAsync());
        Assert.Equal("REFUNDED", await PaymentStatusAsync(http, paymentId));
        Assert.Equal(SandboxPaymentStatus.Refunded, sandbox.State.FindPayment(paymentId)!.Status);
    }

    [Fact]
    public async Task P2p_refund_answers_payment_settled_and_leaves_the_payment_paid()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = await PayP2PAsync(http, invoiceId);

        using var refund = await RefundAsync(http, paymentId, """{"note":"customer asked"}""");
        using var again = await RefundAsync(http, paymentId);
        var check = await JsonAsync(await CheckAsync(http, invoiceId));

        Assert.Equal(HttpStatusCode.BadRequest, refund.StatusCode);
        Assert.Equal("""{"error":"PAYMENT_SETTLED","message":"PAYMENT_SETTLED"}""", await refund.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("PAYMENT_SETTLED", (await JsonAsync(again)).GetProperty("error").GetString());
        Assert.Equal("PAID", await PaymentStatusAsync(http, paymentId));
        Assert.Equal("PAID", check.GetProperty("rows")[0].GetProperty("payment_status").GetString());
        Assert.Equal(2500m, check.GetProperty("paid_amount").GetDecimal());
    }

    [Fact]
    public async Task Repeated_card_refund_answers_payment_already_canceled_and_an_unknown_payment_is_notfound()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = await PayCardAsync(http, invoiceId);

        using var first = await RefundAsync(http, paymentId);
        using var second = await RefundAsync(http, paymentId, """{"note":"again"}""");
        using var unknown = await RefundAsync(http, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("""{"error":"PAYMENT_ALREADY_CANCELED","message":"PAYMENT_ALREADY_CANCELED"}""", await second.Content.ReadAsStringAsync());
        Assert.Equal("REFUNDED", await PaymentStatusAsync(http, paymentId));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Equal("PAYMENT_NOTFOUND", (await JsonAsync(unknown)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Payment_check_after_a_card_refund_shows_the_row_refunded_and_paid_amount_without_it()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 3000);
        var card = await PayCardAsync(http, invoiceId, amount: 1000);
        var p2p = await PayP2PAsync(http, invoiceId, amount: 2000);
        var before = await JsonAsync(await CheckAsync(http, invoiceId));

        using var refund = await RefundAsync(http, card);
        var after = await JsonAsync(await CheckAsync(http, invoiceId));
        var rows = after.GetProperty("rows").EnumerateArray().ToDictionary(
            r => r.GetProperty("payment_id").GetString()!, r => r.GetProperty("payment_status").GetString());

        Assert.Equal(3000m, before.GetProperty("paid_amount").GetDecimal());
        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        Assert.Equal(2, after.GetProperty("count").GetInt32());
        Assert.Equal("2000", after.GetProperty("paid_amount").GetRawText());
        Assert.Equal("REFUNDED", rows[card]);
        Assert.Equal("PAID", rows[p2p]);
    }

    [Fact]
    public async Task Refund_accepts_a_note_body_and_a_malformed_body_is_object_data_error_that_changes_nothing()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = await PayCardAsync(http, invoiceId);

        using var malformed = await RefundAsync(http, paymentId, """{"note":"oops" """);
        var statusAfterMalformed = await PaymentStatusAsync(http, paymentId);
        using var withNote = await RefundAsync(http, paymentId, """{"note":"customer returned the goods"}""");

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("""{"error":"OBJECT_DATA_ERROR","message":"OBJECT_DATA_ERROR"}""", await malformed.Content.ReadAsStringAsync());
        Assert.Equal("PAID", statusAfterMalformed);
        Assert.Equal(HttpStatusCode.OK, withNote.StatusCode);
        Assert.Equal("{}", await withNote.Content.ReadAsStringAsync());
        Assert.Equal("REFUNDED", await PaymentStatusAsync(http, paymentId));
    }

    [Fact]
    public async Task Refund_fault_500_answers_system_busy_for_its_count_without_refunding_then_the_refund_works()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = await PayCardAsync(http, invoiceId);
        using var added = await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.refund","status":500,"count":2}""");

        using var first = await RefundAsync(http, paymentId);
        using var second = await RefundAsync(http, paymentId, """{"note":"retry"}""");
        var statusAfterFaults = await PaymentStatusAsync(http, paymentId);
        using var third = await RefundAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        foreach (var failed in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal("""{"error":"SYSTEM_BUSY","message":"SYSTEM_BUSY"}""", await failed.Content.ReadAsStringAsync());
        }

        Assert.Equal("PAID", statusAfterFaults);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal("REFUNDED", await PaymentStatusAsync(http, paymentId));
    }

    [Fact]
    public async Task Refund_fault_with_a_custom_400_code_answers_that_code_without_refunding_then_the_refund_works()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = await PayCardAsync(http, invoiceId);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.refund","status":400,"error":"CARD_REFUND_FAILED"}""");

        using var failed = await RefundAsync(http, paymentId, """{"note":"customer asked"}""");
        var statusAfterFault = await PaymentStatusAsync(http, paymentId);
        using var retry = await RefundAsync(http, paymentId, """{"note":"customer asked"}""");

        Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        Assert.Equal("""{"error":"CARD_REFUND_FAILED","message":"CARD_REFUND_FAILED"}""", await failed.Content.ReadAsStringAsync());
        Assert.Equal("PAID", statusAfterFault);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("REFUNDED", await PaymentStatusAsync(http, paymentId));
    }

    [Fact]
    public async Task Refund_fault_only_hits_refund_not_cancel_or_other_payments_calls()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 2000);
        var cancelled = await PayCardAsync(http, invoiceId, amount: 1000);
        var refunded = await PayCardAsync(http, invoiceId, amount: 1000);
        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentRefund, Status = 503 });

        using var cancel = await http.DeleteAsync($"/v2/payment/cancel/{cancelled}");
        using var get = await http.GetAsync($"/v2/payment/{refunded}");
        using var failed = await RefundAsync(http, refunded);
        using var retry = await RefundAsync(http, refunded);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
    }

    [Fact]
    public async Task Refund_stall_answers_late_and_refunds_then_the_next_refund_is_prompt()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 2000);
        var slowPayment = await PayCardAsync(http, invoiceId, amount: 1000);
        var nextPayment = await PayCardAsync(http, invoiceId, amount: 1000);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.refund","delayMs":400,"count":1}""");

        var started = Stopwatch.GetTimestamp();
        using var slow = await RefundAsync(http, slowPayment);
        var slowElapsed = Stopwatch.GetElapsedTime(started);
        started = Stopwatch.GetTimestamp();
        using var next = await RefundAsync(http, nextPayment);
        var nextElapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        Assert.True(slowElapsed >= TimeSpan.FromMilliseconds(390), $"answered after {slowElapsed.TotalMilliseconds} ms");
        Assert.Equal("REFUNDED", await PaymentStatusAsync(http, slowPayment));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.True(nextElapsed < TimeSpan.FromMilliseconds(390), $"answered after {nextElapsed.TotalMilliseconds} ms");
        Assert.Equal("REFUNDED", await PaymentStatusAsync(http, nextPayment));
    }

    [Fact]
    public async Task Refund_stall_that_outlasts_the_client_timeout_changes_nothing_and_the_payment_stays_refundable()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = await PayCardAsync(http, invoiceId);
        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentRefund, DelayMs = 1_000 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RefundAsync(http, paymentId, """{"note":"stalled"}""", timeout.Token));
        await Task.Delay(TimeSpan.FromMilliseconds(1_300));
        var statusAfterStall = await PaymentStatusAsync(http, paymentId);
        using var retry = await RefundAsync(http, paymentId, """{"note":"stalled"}""");

        Assert.Equal("PAID", statusAfterStall);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("REFUNDED", await PaymentStatusAsync(http, paymentId));
    }

    /// <summary>Drop is the sandbox's fault "after the work": the refund is applied, only its answer is lost.</summary>
    [Fact]
    public async Task Dropped_refund_is_applied_before_the_connection_is_cut_so_the_retry_is_already_canceled()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 2000);
        var dropped = await PayCardAsync(http, invoiceId, amount: 1000);
        var other = await PayCardAsync(http, invoiceId, amount: 1000);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.refund","drop":true,"count":1}""");

        await Assert.ThrowsAsync<HttpRequestException>(() => RefundAsync(http, dropped, """{"note":"lost answer"}"""));
        var statusAfterDrop = await PaymentStatusAsync(http, dropped);
        using var retry = await RefundAsync(http, dropped, """{"note":"lost answer"}""");
        using var otherRefund = await RefundAsync(http, other);

        Assert.Equal("REFUNDED", statusAfterDrop);
        Assert.Equal(HttpStatusCode.BadRequest, retry.StatusCode);
        Assert.Equal("PAYMENT_ALREADY_CANCELED", (await JsonAsync(retry)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, otherRefund.StatusCode);
        Assert.Equal("{}", await otherRefund.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stats_count_every_refund_call_under_payment_refund_faulted_ones_included()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 2000);
        var card = await PayCardAsync(http, invoiceId, amount: 1000);
        var p2p = await PayP2PAsync(http, invoiceId, amount: 1000);

        using var refunded = await RefundAsync(http, card);
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.refund","status":500,"count":1}""");
        await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"payment.refund","drop":true,"count":1}""");
        using var busy = await RefundAsync(http, card);
        await Assert.ThrowsAsync<HttpRequestException>(() => RefundAsync(http, card));
        using var repeated = await RefundAsync(http, card);
        using var settled = await RefundAsync(http, p2p);
        using var malformed = await RefundAsync(http, card, "not json");
        using var anonymous = Client(sandbox);
        using var unauthorized = await anonymous.DeleteAsync($"/v2/payment/refund/{card}");
        using var cancel = await http.DeleteAsync($"/v2/payment/cancel/{p2p}");

        var stats = await JsonAsync(await http.GetAsync("/sandbox/stats"));

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.InternalServerError, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized],
            new[] { refunded, busy, repeated, settled, malformed, unauthorized }.Select(r => r.StatusCode));
        Assert.Equal(7, stats.GetProperty("payment.refund").GetInt32());
        Assert.Equal(1, stats.GetProperty("payment.cancel").GetInt32());
        Assert.Equal(7, sandbox.Stats[EndpointKeys.PaymentRefund]);
        Assert.Equal(SandboxPaymentStatus.Refunded, sandbox.State.FindPayment(card)!.Status);
    }

    private static Task<string> PayCardAsync(HttpClient http, string invoiceId, decimal? amount = null) =>
        PayTypeAsync(http, invoiceId, "CARD", amount);

    private static Task<string> PayP2PAsync(HttpClient http, string invoiceId, decimal? amount = null) =>
        PayTypeAsync(http, invoiceId, "P2P", amount);

    private static async Task<string> PayTypeAsync(HttpClient http, string invoiceId, string type, decimal? amount)
    {
        var json = amount is { } value
            ? $$"""{"type":"{{type}}","amount":{{value}},"callback":false}"""
            : $$"""{"type":"{{type}}","callback":false}""";
        return (await PayAsync(http, invoiceId, json)).GetProperty("paymentId").GetString()!;
    }

    /// <summary><c>DELETE /v2/payment/refund/{id}</c>, with a JSON body when given (QPay's refund sends only <c>note</c>).</summary>
    private static async Task<HttpResponseMessage> RefundAsync(HttpClient http, string paymentId, string? json = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/v2/payment/refund/{paymentId}");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        return await http.SendAsync(request, cancellationToken);
    }

    private static async Task<string?> PaymentStatusAsync(HttpClient http, string paymentId)
    {
        using var response = await http.GetAsync($"/v2/payment/{paymentId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonAsync(response)).GetProperty("payment_status").GetString();
    }
}
