using System.Text.Json;
using Microsoft.AspNetCore.Http;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox;

namespace QPay.Functions.Tests.Payments.Refunds;

/// <summary>Refunds through the internal routes against Azurite, Redis and the QPay sandbox.</summary>
public sealed class RefundFlowTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private PaymentsHarness Harness => fixture.Harness;

    /// <summary>A two-seller session paid with <paramref name="type"/>, called back and processed.</summary>
    private async Task<(string SessionId, string InvoiceId, string PaymentId, string User)> PaidSessionAsync(string type)
    {
        var user = "user-refund-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await Harness.PayAsync(invoiceId, type: type);
        Assert.Equal("CLAIMED", (await Harness.CallbackAsync(invoiceId, paymentId)).Reason ?? "CLAIMED");
        await Harness.ProcessOrderQueueAsync();
        Assert.Equal(SessionStatus.Processed, (await Session(sessionId)).Status);
        return (sessionId, invoiceId, paymentId, user);
    }

    private async Task<PaymentSession> Session(string sessionId) => (await Harness.Get<ISessionStore>().GetAsync(sessionId, default))!;

    private async Task<IReadOnlyList<Order>> OrdersOf(string user, string sessionId) =>
        (await Harness.Get<IOrderStore>().ListForUserAsync(user, default)).Where(o => o.SessionId == sessionId).ToList();

    private static JsonElement Line(Answer answer, int index = 0) => answer.Body.GetProperty("refund").GetProperty("payments")[index];

    [Fact]
    public async Task A_card_payment_is_reversed_at_QPay_and_session_orders_and_status_show_it_refunded()
    {
        var (sessionId, _, paymentId, user) = await PaidSessionAsync("CARD");
        var refundCalls = Harness.QPayCalls(EndpointKeys.PaymentRefund);

        var answer = await Harness.RefundAsync(sessionId, note: "customer changed their mind");

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal("REFUNDED", answer.Body.GetProperty("status").GetString());
        var refund = answer.Body.GetProperty("refund");
        Assert.Equal(("REFUNDED", Carts.TwoSellersMnt), (refund.GetProperty("status").GetString(), refund.GetProperty("amount").GetDecimal()));
        Assert.Equal((paymentId, "API", "REFUNDED"), (Line(answer).GetProperty("paymentId").GetString(), Line(answer).GetProperty("method").GetString(), Line(answer).GetProperty("status").GetString()));
        Assert.Equal(refundCalls + 1, Harness.QPayCalls(EndpointKeys.PaymentRefund));
        Assert.Equal(SandboxPaymentStatus.Refunded, Harness.Sandbox.State.FindPayment(paymentId)!.Status);

        Assert.Equal(SessionStatus.Refunded, (await Session(sessionId)).Status);
        var orders = await OrdersOf(user, sessionId);
        Assert.Equal(2, orders.Count);
        Assert.All(orders, o => Assert.Equal((RefundStatus.Refunded, "CUSTOMER_REQUEST"), (o.Refund!.Status, o.Refund.Reason)));

        var status = await PaymentsHarness.InvokeAsync(Harness.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(user)));
        Assert.Equal("REFUNDED", status.Body.GetProperty("status").GetString());
        Assert.Equal("REFUNDED", status.Body.GetProperty("refund").GetProperty("status").GetString());
        Assert.Equal("API", status.Body.GetProperty("refund").GetProperty("payments")[0].GetProperty("method").GetString());
    }

    [Fact]
    public async Task A_bank_app_payment_becomes_a_manual_refund_listed_until_its_transfer_is_settled()
    {
        var (sessionId, _, paymentId, user) = await PaidSessionAsync("P2P");

        var answer = await Harness.RefundAsync(sessionId);

        Assert.Equal("REFUND_PENDING", answer.Body.GetProperty("status").GetString());
        Assert.Equal((paymentId, "MANUAL", "PENDING"), (Line(answer).GetProperty("paymentId").GetString(), Line(answer).GetProperty("method").GetString(), Line(answer).GetProperty("status").GetString()));
        var refundId = Line(answer).GetProperty("refundId").GetString()!;
        var listed = await FindPendingAsync(refundId);
        Assert.NotNull(listed);
        Assert.Equal((Carts.TwoSellersMnt, "CUSTOMER_REQUEST", "MANUAL"), (listed.Value.GetProperty("amount").GetDecimal(), listed.Value.GetProperty("reason").GetString(), listed.Value.GetProperty("method").GetString()));
        Assert.All(await OrdersOf(user, sessionId), o => Assert.Equal(RefundStatus.Pending, o.Refund!.Status));
        Assert.Equal(SandboxPaymentStatus.Paid, Harness.Sandbox.State.FindPayment(paymentId)!.Status);

        var settled = await Harness.SettleAsync(refundId, "KHAN-TRX-000123");

        Assert.Equal(StatusCodes.Status200OK, settled.Status);
        Assert.Equal(("REFUNDED", "KHAN-TRX-000123", "REFUNDED"), (settled.Body.GetProperty("refund").GetProperty("status").GetString(), settled.Body.GetProperty("refund").GetProperty("reference").GetString(), settled.Body.GetProperty("sessionStatus").GetString()));
        Assert.Equal(SessionStatus.Refunded, (await Session(sessionId)).Status);
        Assert.All(await OrdersOf(user, sessionId), o => Assert.Equal(RefundStatus.Refunded, o.Refund!.Status));
        Assert.Null(await FindPendingAsync(refundId));
        Assert.Equal(StatusCodes.Status200OK, (await Harness.SettleAsync(refundId, "KHAN-TRX-000123")).Status);
        var other = await Harness.SettleAsync(refundId, "ANOTHER-REF");
        Assert.Equal((StatusCodes.Status409Conflict, "ALREADY_SETTLED"), (other.Status, other.Error));
    }

    [Fact]
    public async Task The_same_idempotency_key_answers_the_same_result_and_another_body_under_it_is_refused()
    {
        var (sessionId, _, _, _) = await PaidSessionAsync("CARD");
        var key = "refund-" + Guid.NewGuid().ToString("N");
        var refundCalls = Harness.QPayCalls(EndpointKeys.PaymentRefund);

        var first = await Harness.RefundAsync(sessionId, key: key);
        var again = await Harness.RefundAsync(sessionId, key: key);
        var otherBody = await Harness.RefundAsync(sessionId, reason: "FRAUD", key: key);

        Assert.Equal(StatusCodes.Status200OK, first.Status);
        Assert.Equal((first.Status, first.Text), (again.Status, again.Text));
        Assert.Equal("true", again.Headers["Idempotent-Replayed"].ToString());
        Assert.Equal((StatusCodes.Status409Conflict, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key"), (otherBody.Status, otherBody.Error, otherBody.Body.GetProperty("field").GetString()));
        Assert.Equal(refundCalls + 1, Harness.QPayCalls(EndpointKeys.PaymentRefund));
    }

    [Fact]
    public async Task Twenty_concurrent_refunds_with_different_keys_reverse_each_payment_once()
    {
        var user = "user-refund-race-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        await Harness.PayAsync(invoiceId, amount: 40_000m, type: "CARD");
        var last = await Harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt - 40_000m, type: "CARD");
        await Harness.CallbackAsync(invoiceId, last);
        await Harness.ProcessOrderQueueAsync();
        var refundCalls = Harness.QPayCalls(EndpointKeys.PaymentRefund);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Harness.RefundAsync(sessionId)));

        Assert.All(answers, a => Assert.Equal(StatusCodes.Status200OK, a.Status));
        Assert.Equal(refundCalls + 2, Harness.QPayCalls(EndpointKeys.PaymentRefund));
        var session = await Session(sessionId);
        Assert.Equal(SessionStatus.Refunded, session.Status);
        Assert.Equal(2, session.Refund!.Payments.Count);
        Assert.Equal(Carts.TwoSellersMnt, session.Refund.AmountMnt);
    }

    [Fact]
    public async Task One_sellers_order_is_a_manual_refund_of_exactly_its_total_and_only_that_order_is_marked()
    {
        var (sessionId, _, _, user) = await PaidSessionAsync("CARD");
        var session = await Session(sessionId);
        var (shop, otherShop) = (session.Sellers[0], session.Sellers[1]);
        var order = (await OrdersOf(user, sessionId)).Single(o => o.ShopId == shop);
        var refundCalls = Harness.QPayCalls(EndpointKeys.PaymentRefund);

        var answer = await Harness.RefundAsync(sessionId, shopId: shop, reason: "ORDER_CANCELLED");

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal("PROCESSED", answer.Body.GetProperty("status").GetString());
        var share = answer.Body.GetProperty("share");
        Assert.Equal(("SHARE", "MANUAL", "PENDING", shop), (share.GetProperty("kind").GetString(), share.GetProperty("method").GetString(), share.GetProperty("status").GetString(), share.GetProperty("shopId").GetString()));
        Assert.Equal(order.TotalMnt, share.GetProperty("amount").GetDecimal());
        Assert.Equal(refundCalls, Harness.QPayCalls(EndpointKeys.PaymentRefund));
        var orders = await OrdersOf(user, sessionId);
        Assert.Equal(RefundStatus.Pending, orders.Single(o => o.ShopId == shop).Refund!.Status);
        Assert.Null(orders.Single(o => o.ShopId == otherShop).Refund);

        var again = await Harness.RefundAsync(sessionId, shopId: shop, reason: "ORDER_CANCELLED");
        Assert.Equal(share.GetProperty("refundId").GetString(), again.Body.GetProperty("share").GetProperty("refundId").GetString());
        Assert.Single((await Session(sessionId)).Refund!.Payments);

        var whole = await Harness.RefundAsync(sessionId);
        Assert.Equal((StatusCodes.Status409Conflict, "PARTLY_REFUNDED"), (whole.Status, whole.Error));
        Assert.Equal(refundCalls, Harness.QPayCalls(EndpointKeys.PaymentRefund));

        var settled = await Harness.SettleAsync(share.GetProperty("refundId").GetString()!, "TDB-42");
        Assert.Equal(StatusCodes.Status200OK, settled.Status);
        Assert.Equal(RefundStatus.Refunded, (await OrdersOf(user, sessionId)).Single(o => o.ShopId == shop).Refund!.Status);
        Assert.Equal(SessionStatus.Processed, (await Session(sessionId)).Status);
    }

    [Fact]
    public async Task A_share_of_a_wholly_refunded_session_is_refused()
    {
        var (sessionId, _, _, _) = await PaidSessionAsync("CARD");
        Assert.Equal(StatusCodes.Status200OK, (await Harness.RefundAsync(sessionId)).Status);

        var share = await Harness.RefundAsync(sessionId, shopId: (await Session(sessionId)).Sellers[0]);

        Assert.Equal((StatusCodes.Status409Conflict, "ALREADY_REFUNDED"), (share.Status, share.Error));
    }

    [Fact]
    public async Task A_pending_session_cannot_be_refunded_it_is_cancelled_instead()
    {
        var (sessionId, _) = await Harness.SeedTwoSellerSessionAsync("user-refund-pending");

        var answer = await Harness.RefundAsync(sessionId);

        Assert.Equal((StatusCodes.Status409Conflict, "NOT_REFUNDABLE", "PENDING"), (answer.Status, answer.Error, answer.Body.GetProperty("status").GetString()));
        Assert.Contains("cancel", answer.Body.GetProperty("message").GetString());
        Assert.Equal(SessionStatus.Pending, (await Session(sessionId)).Status);
    }

    [Fact]
    public async Task An_overpayment_is_fulfilled_and_its_excess_becomes_a_manual_refund()
    {
        var user = "user-overpay-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await Harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt + 1_500m);

        var callback = await Harness.CallbackAsync(invoiceId, paymentId);
        await Harness.ProcessOrderQueueAsync();

        Assert.Null(callback.Reason);
        var session = await Session(sessionId);
        Assert.Equal(SessionStatus.Processed, session.Status);
        Assert.Equal(Carts.TwoSellersMnt, (await OrdersOf(user, sessionId)).Sum(o => o.TotalMnt));
        var excess = Assert.Single(session.Refund!.Payments);
        Assert.Equal((RefundKind.Excess, RefundMethod.Manual, RefundStatus.Pending, 1_500m, paymentId), (excess.Kind, excess.Method, excess.Status, excess.AmountMnt, excess.PaymentId));
        Assert.NotNull(await FindPendingAsync(excess.RefundId));
        Assert.Contains(Harness.Logs.GetSnapshot(), r => r.Id.Name == "Overpayment" && r.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && r.Message.Contains(sessionId) && r.Message.Contains(invoiceId) && r.Message.Contains("1500"));
    }

    [Fact]
    public async Task A_whole_refund_of_an_overpaid_session_gives_the_excess_back_with_the_payment()
    {
        var user = "user-overpay-whole-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await Harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt + 700m, type: "CARD");
        await Harness.CallbackAsync(invoiceId, paymentId);
        await Harness.ProcessOrderQueueAsync();
        var excessId = (await Session(sessionId)).Refund!.Payments.Single().RefundId;

        var answer = await Harness.RefundAsync(sessionId);

        Assert.Equal("REFUNDED", answer.Body.GetProperty("status").GetString());
        Assert.Equal(Carts.TwoSellersMnt + 700m, answer.Body.GetProperty("refund").GetProperty("amount").GetDecimal());
        var lines = (await Session(sessionId)).Refund!.Payments;
        Assert.Equal(RefundStatus.Superseded, lines.Single(l => l.Kind == RefundKind.Excess).Status);
        Assert.Null(await FindPendingAsync(excessId));
        var settle = await Harness.SettleAsync(excessId, "LATE-REF");
        Assert.Equal((StatusCodes.Status409Conflict, "SUPERSEDED"), (settle.Status, settle.Error));
    }

    [Fact]
    public async Task A_whole_refund_after_the_excess_was_transferred_is_refused()
    {
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync("user-excess-settled");
        var paymentId = await Harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt + 300m, type: "CARD");
        await Harness.CallbackAsync(invoiceId, paymentId);
        await Harness.ProcessOrderQueueAsync();
        var excessId = (await Session(sessionId)).Refund!.Payments.Single().RefundId;
        Assert.Equal(StatusCodes.Status200OK, (await Harness.SettleAsync(excessId, "XAC-9")).Status);
        var refundCalls = Harness.QPayCalls(EndpointKeys.PaymentRefund);

        var whole = await Harness.RefundAsync(sessionId);

        Assert.Equal((StatusCodes.Status409Conflict, "PARTLY_REFUNDED"), (whole.Status, whole.Error));
        Assert.Equal(refundCalls, Harness.QPayCalls(EndpointKeys.PaymentRefund));
        Assert.Equal(SessionStatus.Processed, (await Session(sessionId)).Status);
    }

    [Fact]
    public async Task Two_manual_refunds_settled_at_once_leave_the_session_and_its_orders_refunded()
    {
        var user = "user-refund-settle-race-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        await Harness.PayAsync(invoiceId, amount: 50_000m);
        await Harness.CallbackAsync(invoiceId, await Harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt - 50_000m));
        await Harness.ProcessOrderQueueAsync();
        var answer = await Harness.RefundAsync(sessionId);
        var ids = answer.Body.GetProperty("refund").GetProperty("payments").EnumerateArray().Select(p => p.GetProperty("refundId").GetString()!).ToList();
        Assert.Equal(2, ids.Count);

        var settled = await Task.WhenAll(ids.Select((id, i) => Harness.SettleAsync(id, $"TRX-{i}")));

        Assert.All(settled, a => Assert.Equal(StatusCodes.Status200OK, a.Status));
        var session = await Session(sessionId);
        Assert.Equal((SessionStatus.Refunded, RefundStatus.Refunded), (session.Status, session.Refund!.Status));
        Assert.All(session.Refund.Payments, p => Assert.Equal(RefundStatus.Refunded, p.Status));
        Assert.All(await OrdersOf(user, sessionId), o => Assert.Equal(RefundStatus.Refunded, o.Refund!.Status));
    }

    [Fact]
    public async Task Neither_the_operators_note_nor_the_transfer_reference_reaches_a_log()
    {
        var (sessionId, _, _, _) = await PaidSessionAsync("P2P");
        var note = "note-" + Guid.NewGuid().ToString("N");
        var reference = "ref-" + Guid.NewGuid().ToString("N");

        var answer = await Harness.RefundAsync(sessionId, note: note);
        await Harness.SettleAsync(Line(answer).GetProperty("refundId").GetString()!, reference);

        Assert.Equal(SessionStatus.Refunded, (await Session(sessionId)).Status);
        Assert.DoesNotContain(Harness.Logs.GetSnapshot(), r => r.Message.Contains(note) || r.Message.Contains(reference)
            || (r.Exception?.ToString().Contains(note) ?? false) || (r.Exception?.ToString().Contains(reference) ?? false));
    }

    /// <summary>Pages through the list of manual refunds still to make (the table is shared by every test).</summary>
    private async Task<JsonElement?> FindPendingAsync(string refundId)
    {
        string? token = null;
        do
        {
            var page = await Harness.PendingRefundsAsync("status=pending&pageSize=200" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token)));
            Assert.Equal(StatusCodes.Status200OK, page.Status);
            foreach (var refund in page.Body.GetProperty("refunds").EnumerateArray())
            {
                if (refund.GetProperty("refundId").GetString() == refundId)
                {
                    return refund.Clone();
                }
            }

            token = page.Body.TryGetProperty("continuationToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (token is not null);

        return null;
    }
}
