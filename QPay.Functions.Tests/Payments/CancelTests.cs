using Microsoft.AspNetCore.Http;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments;

/// <summary>Cancelling a session, from each state, and cancels racing payments (real Azurite, Redis, sandbox).</summary>
public sealed class CancelTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    private PaymentsHarness Harness => fixture.Harness;

    [Fact]
    public async Task A_pending_session_is_cancelled_at_qpay_first_and_cancelling_again_answers_the_same()
    {
        var user = User();
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);

        var first = await Harness.CancelAsync(user, sessionId);
        var again = await Harness.CancelAsync(user, sessionId);

        Assert.Equal(StatusCodes.Status200OK, first.Status);
        Assert.Equal(["ok", "sessionId", "status", "cancelledAt"], first.Body.EnumerateObject().Select(p => p.Name));
        Assert.True(first.Body.GetProperty("ok").GetBoolean());
        Assert.Equal(sessionId, first.Body.GetProperty("sessionId").GetString());
        Assert.Equal("CANCELLED", first.Body.GetProperty("status").GetString());
        Assert.Equal(SandboxInvoiceStatus.Canceled, Harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
        Assert.Equal((200, "CANCELLED"), (again.Status, again.Body.GetProperty("status").GetString()));
        Assert.Equal(first.Body.GetProperty("cancelledAt").GetDateTimeOffset(), again.Body.GetProperty("cancelledAt").GetDateTimeOffset());

        var status = await PaymentsHarness.InvokeAsync(
            Harness.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(user)));
        Assert.Equal("CANCELLED", status.Body.GetProperty("status").GetString());
        Assert.Equal(first.Body.GetProperty("cancelledAt").GetDateTimeOffset(), status.Body.GetProperty("cancelledAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Another_users_session_is_404_and_bad_input_is_400()
    {
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(User());

        var stranger = await Harness.CancelAsync(User(), sessionId);
        var noSession = await PaymentsHarness.InvokeAsync(
            Harness.Function<CancelFunctions>().CancelSession, HttpRequests.Json("POST", new { }, bearer: TestJwt.For(User())));
        var noToken = await PaymentsHarness.InvokeAsync(Harness.Function<CancelFunctions>().CancelSession, HttpRequests.Json("POST", new { sessionId }));

        Assert.Equal((404, "NOT_FOUND"), (stranger.Status, stranger.Error));
        Assert.Equal((400, "sessionId"), (noSession.Status, noSession.Body.GetProperty("field").GetString()));
        Assert.Equal(401, noToken.Status);
        Assert.NotEqual(SandboxInvoiceStatus.Canceled, Harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
    }

    [Fact]
    public async Task The_internal_twin_cancels_for_the_named_user_and_needs_its_header()
    {
        var user = User();
        var (sessionId, _) = await Harness.SeedTwoSellerSessionAsync(user);
        var function = Harness.Function<CancelFunctions>().InternalCancelSession;

        var withoutHeader = await PaymentsHarness.InvokeAsync(function, HttpRequests.Json("POST", new { sessionId, userId = user }));
        var withoutUser = await PaymentsHarness.InvokeAsync(function, HttpRequests.Json("POST", new { sessionId }, headers: Internal));
        var wrongUser = await PaymentsHarness.InvokeAsync(function, HttpRequests.Json("POST", new { sessionId, userId = User() }, headers: Internal));
        var cancelled = await PaymentsHarness.InvokeAsync(function, HttpRequests.Json("POST", new { sessionId, userId = user }, headers: Internal));

        Assert.Equal(403, withoutHeader.Status);
        Assert.Equal((400, "userId"), (withoutUser.Status, withoutUser.Body.GetProperty("field").GetString()));
        Assert.Equal(404, wrongUser.Status);
        Assert.Equal((200, "CANCELLED"), (cancelled.Status, cancelled.Body.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Paid_and_processed_sessions_are_409_already_paid_and_stay_as_they_are()
    {
        var user = User();
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        Assert.Null((await Harness.CallbackAsync(invoiceId, await Harness.PayAsync(invoiceId))).Reason);

        var whilePaid = await Harness.CancelAsync(user, sessionId);
        await Harness.ProcessOrderQueueAsync();
        var whileProcessed = await Harness.CancelAsync(user, sessionId);

        Assert.Equal((409, "ALREADY_PAID", "PAID"), (whilePaid.Status, whilePaid.Error, whilePaid.Body.GetProperty("status").GetString()));
        Assert.Equal((409, "ALREADY_PAID", "PROCESSED"), (whileProcessed.Status, whileProcessed.Error, whileProcessed.Body.GetProperty("status").GetString()));
        Assert.Equal(SessionStatus.Processed, (await Harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.NotEqual(SandboxInvoiceStatus.Canceled, Harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
    }

    [Theory]
    [InlineData(SessionStatus.Expired, "EXPIRED")]
    [InlineData(SessionStatus.Failed, "FAILED")]
    public async Task An_expired_or_failed_session_is_409_not_cancellable(SessionStatus ended, string status)
    {
        var user = User();
        var (sessionId, _) = await Harness.SeedTwoSellerSessionAsync(user);
        await Harness.Get<ISessionStore>().UpdateAsync(sessionId, s => s with { Status = ended }, default);

        var answer = await Harness.CancelAsync(user, sessionId);

        Assert.Equal((409, "NOT_CANCELLABLE", status), (answer.Status, answer.Error, answer.Body.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_payment_that_landed_before_the_cancel_wins_it_takes_the_paid_path_and_the_cancel_is_409()
    {
        var user = User();
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        await Harness.PayAsync(invoiceId); // its callback has not arrived yet

        var answer = await Harness.CancelAsync(user, sessionId);
        await Harness.ProcessOrderQueueAsync();

        Assert.Equal((409, "ALREADY_PAID"), (answer.Status, answer.Error));
        Assert.Equal(SessionStatus.Processed, (await Harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Equal(2, (await Harness.Get<IOrderStore>().ListForUserAsync(user, default)).Count);
    }

    [Fact]
    public async Task A_payment_that_raced_the_cancel_is_fulfilled_by_default_and_logged()
    {
        var user = User();
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        Assert.Equal(200, (await Harness.CancelAsync(user, sessionId)).Status);

        var paymentId = await Harness.PayAsync(invoiceId, evenIfCanceled: true); // QPay took it anyway
        var callback = await Harness.CallbackAsync(invoiceId, paymentId);
        await Harness.ProcessOrderQueueAsync();

        Assert.Null(callback.Reason);
        var session = (await Harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(SessionStatus.Processed, session.Status);
        Assert.NotNull(session.LatePaymentAt);
        Assert.NotNull(session.CancelledAt);
        Assert.Equal(2, (await Harness.Get<IOrderStore>().ListForUserAsync(user, default)).Count);
        Assert.Contains(Harness.Logs.GetSnapshot(), r => r.Id.Name == "LatePayment" && r.Message.Contains(sessionId) && r.Message.Contains("CANCELLED") && r.Message.Contains("fulfil"));
    }

    [Fact]
    public async Task An_unexplained_qpay_refusal_leads_to_a_payment_check_never_to_silence()
    {
        var user = User();
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync(user);
        var checksBefore = Harness.QPayCalls(EndpointKeys.PaymentCheck);
        Harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCancel, Status = 400, Error = "SOMETHING_NEW", Count = 1 });

        var refused = await Harness.CancelAsync(user, sessionId);

        Assert.Equal((502, "QPAY_CANCEL_FAILED"), (refused.Status, refused.Error));
        Assert.Contains("SOMETHING_NEW", refused.Body.GetProperty("message").GetString());
        Assert.Equal(checksBefore + 1, Harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Equal(SessionStatus.Pending, (await Harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);

        // Refused again, but the invoice was paid meanwhile: the check finds it.
        Harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCancel, Status = 400, Error = "SOMETHING_NEW", Count = 1 });
        await Harness.PayAsync(invoiceId);
        var paid = await Harness.CancelAsync(user, sessionId);
        Assert.Equal((409, "ALREADY_PAID"), (paid.Status, paid.Error));
        Assert.True((await Harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default)) is { State: ClaimState.Verified });
    }

    private static string User() => "user-cancel-" + Guid.NewGuid().ToString("N")[..10];
}

/// <summary>LATE_PAYMENT_POLICY=refund: a late payment is held for its refund, never turned into orders.</summary>
public sealed class LatePaymentRefundPolicyTests
{
    [Fact]
    public async Task A_payment_after_cancel_is_held_for_a_refund_with_no_orders()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["LATE_PAYMENT_POLICY"] = "refund" });
        var user = "user-late-refund-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        Assert.Equal(200, (await harness.CancelAsync(user, sessionId)).Status);

        var paymentId = await harness.PayAsync(invoiceId, evenIfCanceled: true);
        var callback = await harness.CallbackAsync(invoiceId, paymentId);
        var duplicate = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.Equal("REFUND_PENDING", callback.Reason);
        Assert.Equal("REFUND_PENDING", duplicate.Reason);
        Assert.Equal(0, callback.Body.GetProperty("orderIds").GetArrayLength());
        Assert.Equal(0, await harness.QueuedOrderMessagesAsync());
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(SessionStatus.RefundPending, session.Status);
        Assert.Equal(Carts.TwoSellersMnt, session.PaidMnt);
        Assert.Equal(ClaimState.HeldForRefund, (await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default))!.State);
        Assert.Empty(await harness.Get<IOrderStore>().ListForUserAsync(user, default));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "LatePayment" && r.Message.Contains("refund"));
    }
}
