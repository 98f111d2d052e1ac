using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Payments.Refunding;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments.Refunds;

/// <summary>The automatic refunds and a refund's way through QPay failures, on a fake clock.</summary>
public sealed class RefundRecoveryTests
{
    private static Task<(PaymentsHarness Harness, FakeTimeProvider Clock)> StartAsync(IReadOnlyDictionary<string, string?>? settings = null) =>
        PaymentsHarness.StartWithFakeClockAsync(settings);

    private static async Task<PaymentSession> Session(PaymentsHarness harness, string sessionId) =>
        (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;

    private static async Task<(string SessionId, string InvoiceId, string PaymentId)> PaidByCardAsync(PaymentsHarness harness, string user)
    {
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await harness.PayAsync(invoiceId, type: "CARD");
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();
        return (sessionId, invoiceId, paymentId);
    }

    [Fact]
    public async Task An_underpaid_session_that_expires_gives_its_card_payment_back_by_API_and_its_bank_payment_by_hand()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-underpaid");
        var card = await harness.PayAsync(invoiceId, amount: 30_000m, type: "CARD");
        var bank = await harness.PayAsync(invoiceId, amount: 20_000m, type: "P2P");
        Assert.Equal("AMOUNT_MISMATCH", (await harness.CallbackAsync(invoiceId, bank)).Reason);

        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(1, (await harness.ReconcileAsync()).Expired);
        var expired = await Session(harness, sessionId);
        Assert.Equal((SessionStatus.RefundPending, 50_000m), (expired.Status, expired.PaidMnt));
        Assert.NotNull(expired.ExpiredAt);
        Assert.Equal(1, await harness.ProcessRefundQueueAsync());

        var session = await Session(harness, sessionId);
        Assert.Equal(SessionStatus.RefundPending, session.Status);
        var lines = session.Refund!.Payments.ToDictionary(l => l.PaymentId!);
        Assert.Equal((RefundMethod.Api, RefundStatus.Refunded, 30_000m), (lines[card].Method, lines[card].Status, lines[card].AmountMnt));
        Assert.Equal((RefundMethod.Manual, RefundStatus.Pending, 20_000m), (lines[bank].Method, lines[bank].Status, lines[bank].AmountMnt));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "AutomaticRefund" && r.Level == LogLevel.Warning
            && r.Message.Contains(sessionId) && r.Message.Contains(invoiceId) && r.Message.Contains("50000") && r.Message.Contains(RefundReasons.Underpaid));

        Assert.Equal(StatusCodes.Status200OK, (await harness.SettleAsync(lines[bank].RefundId, "KHAN-777")).Status);
        Assert.Equal(SessionStatus.Refunded, (await Session(harness, sessionId)).Status);
        Assert.Empty(await harness.Get<IOrderStore>().ListForUserAsync("user-underpaid", default));
    }

    [Fact]
    public async Task A_payment_that_completes_an_underpaid_session_after_its_expiry_goes_back_too_with_no_orders()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var user = "user-underpaid-then-rest";
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        await harness.PayAsync(invoiceId, amount: 20_000m, type: "P2P");
        clock.Advance(TimeSpan.FromMinutes(31));
        await harness.ReconcileAsync();
        await harness.ProcessRefundQueueAsync();

        Assert.Equal(SessionStatus.RefundPending, (await Session(harness, sessionId)).Status);

        // QPay kept the partly paid invoice open: the customer pays the rest.
        var rest = await harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt - 20_000m, type: "CARD");
        var callback = await harness.CallbackAsync(invoiceId, rest);
        Assert.True(callback.Reason == "REFUND_PENDING", callback.Text ?? callback.Body.ToString());
        await harness.ProcessRefundQueueAsync();
        await harness.ProcessOrderQueueAsync();

        var lines = (await Session(harness, sessionId)).Refund!.Payments.ToDictionary(l => l.PaymentId!);
        Assert.Equal((RefundMethod.Api, RefundStatus.Refunded), (lines[rest].Method, lines[rest].Status));
        Assert.Equal(2, lines.Count);
        Assert.Empty(await harness.Get<IOrderStore>().ListForUserAsync(user, default));
        Assert.Equal(SandboxPaymentStatus.Refunded, harness.Sandbox.State.FindPayment(rest)!.Status);
    }

    [Fact]
    public async Task An_underpaid_session_that_is_cancelled_gives_its_payment_back()
    {
        var (harness, _) = await StartAsync();
        await using var _ = harness;
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-underpaid-cancel");
        var card = await harness.PayAsync(invoiceId, amount: 10_000m, type: "CARD");

        var cancel = await harness.CancelAsync("user-underpaid-cancel", sessionId);
        Assert.Equal((StatusCodes.Status200OK, "REFUND_PENDING"), (cancel.Status, cancel.Body.GetProperty("status").GetString()));
        await harness.ProcessRefundQueueAsync();

        var session = await Session(harness, sessionId);
        Assert.Equal(SessionStatus.Refunded, session.Status);
        Assert.NotNull(session.CancelledAt);
        Assert.Equal((card, RefundStatus.Refunded), (session.Refund!.Payments.Single().PaymentId, session.Refund.Payments.Single().Status));
    }

    [Fact]
    public async Task A_late_payment_under_the_refund_policy_is_refunded_without_orders()
    {
        var (harness, _) = await StartAsync(new Dictionary<string, string?> { ["LATE_PAYMENT_POLICY"] = "refund" });
        await using var _ = harness;
        var user = "user-late-refunded";
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        Assert.Equal(StatusCodes.Status200OK, (await harness.CancelAsync(user, sessionId)).Status);
        var paymentId = await harness.PayAsync(invoiceId, type: "CARD", evenIfCanceled: true);

        Assert.Equal("REFUND_PENDING", (await harness.CallbackAsync(invoiceId, paymentId)).Reason);
        Assert.Equal(1, await harness.ProcessRefundQueueAsync());

        var session = await Session(harness, sessionId);
        Assert.Equal(SessionStatus.Refunded, session.Status);
        Assert.Equal(paymentId, session.Refund!.Payments.Single().PaymentId);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentRefund));
        Assert.Empty(await harness.Get<IOrderStore>().ListForUserAsync(user, default));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "AutomaticRefund" && r.Message.Contains(RefundReasons.LatePayment) && r.Message.Contains(invoiceId));
    }

    [Fact]
    public async Task QPay_failing_mid_refund_is_retried_by_the_queue_after_its_backoff_and_never_counted_refunded()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var (sessionId, _, paymentId) = await PaidByCardAsync(harness, "user-refund-fails");
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentRefund, Status = 500, Error = "SYSTEM_BUSY", Count = 2 });

        var answer = await harness.RefundAsync(sessionId);

        Assert.Equal(("REFUND_PENDING", "PENDING"), (answer.Body.GetProperty("status").GetString(), answer.Body.GetProperty("refund").GetProperty("status").GetString()));
        var record = (await harness.Get<IRefundLedger>().ListAsync(sessionId, default)).Single();
        Assert.Equal((RefundStatus.Pending, "SYSTEM_BUSY", 1), (record.Status, record.LastError, record.Attempts));
        Assert.Equal(1, await harness.QueuedRefundMessagesAsync());

        // Before its backoff the retry does not ask QPay; after it, QPay fails once more, then answers.
        var processor = harness.Get<RefundProcessor>();
        Assert.Equal(RefundRun.Retrying, (await processor.ProcessAsync(sessionId)).Run);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentRefund));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(RefundRun.Retrying, (await processor.ProcessAsync(sessionId)).Run);
        Assert.Equal(2, (await harness.Get<IRefundLedger>().ListAsync(sessionId, default)).Single().Attempts);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(RefundRun.Finished, (await processor.ProcessAsync(sessionId)).Run);

        Assert.Equal(3, harness.QPayCalls(EndpointKeys.PaymentRefund));
        Assert.Equal(SessionStatus.Refunded, (await Session(harness, sessionId)).Status);
        Assert.Equal(SandboxPaymentStatus.Refunded, harness.Sandbox.State.FindPayment(paymentId)!.Status);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "RefundAttemptFailed" && r.Message.Contains(paymentId));
    }

    [Fact]
    public async Task A_refund_whose_answer_was_lost_is_confirmed_from_QPays_payment_list_not_made_twice()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var (sessionId, _, paymentId) = await PaidByCardAsync(harness, "user-refund-drop");
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentRefund, Drop = true, Count = 1 });

        var answer = await harness.RefundAsync(sessionId);
        Assert.Equal("REFUND_PENDING", answer.Body.GetProperty("status").GetString());
        Assert.Equal(SandboxPaymentStatus.Refunded, harness.Sandbox.State.FindPayment(paymentId)!.Status);

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(RefundRun.Finished, (await harness.Get<RefundProcessor>().ProcessAsync(sessionId)).Run);

        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentRefund));
        Assert.Equal(SessionStatus.Refunded, (await Session(harness, sessionId)).Status);
    }

    [Fact]
    public async Task A_refund_whose_queue_message_is_lost_is_finished_by_the_reconciler()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var (sessionId, _, _) = await PaidByCardAsync(harness, "user-refund-lost");
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentRefund, Status = 503, Error = "SYSTEM_BUSY", Count = 1 });
        await harness.RefundAsync(sessionId);
        await harness.RefundQueue().ClearMessagesAsync();

        clock.Advance(TimeSpan.FromMinutes(10));
        await harness.ReconcileAsync();
        Assert.Equal(SessionStatus.RefundPending, (await Session(harness, sessionId)).Status);
        clock.Advance(harness.Get<Microsoft.Extensions.Options.IOptions<PaymentOptions>>().Value.RefundFollowUp);
        await harness.ReconcileAsync();

        Assert.Equal(SessionStatus.Refunded, (await Session(harness, sessionId)).Status);
        Assert.Equal(2, harness.QPayCalls(EndpointKeys.PaymentRefund));
    }

    [Fact]
    public async Task A_late_payment_whose_refund_did_not_start_is_started_by_a_repeated_callback()
    {
        var failPlanOnce = 1;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await PaymentsHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["LATE_PAYMENT_POLICY"] = "refund" },
            services: s =>
            {
                s.AddSingleton<TimeProvider>(clock);
                var failing = new RefundTableFailingOnce(() => Interlocked.Exchange(ref failPlanOnce, 0) == 1);
                s.AddSingleton<IRefundLedger>(sp => failing.Wrap(ActivatorUtilities.CreateInstance<RefundTable>(sp)));
            });
        var user = "user-late-repair";
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        await harness.CancelAsync(user, sessionId);
        var paymentId = await harness.PayAsync(invoiceId, type: "CARD", evenIfCanceled: true);

        Assert.Equal("REFUND_PENDING", (await harness.CallbackAsync(invoiceId, paymentId)).Reason);
        Assert.Null((await Session(harness, sessionId)).Refund);
        Assert.Equal(0, await harness.QueuedRefundMessagesAsync());

        Assert.Equal("REFUND_PENDING", (await harness.CallbackAsync(invoiceId, paymentId)).Reason);
        await harness.ProcessRefundQueueAsync();

        Assert.Equal(SessionStatus.Refunded, (await Session(harness, sessionId)).Status);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentRefund));
    }

    [Fact]
    public async Task A_refund_message_that_finds_the_session_busy_comes_back_instead_of_being_dropped()
    {
        var (harness, _) = await StartAsync();
        await using var _ = harness;
        var (sessionId, _, _) = await PaidByCardAsync(harness, "user-refund-busy");
        await harness.Get<ISessionStore>().UpdateAsync(sessionId, s => s with { Status = SessionStatus.RefundPending }, default);
        await using var held = await harness.Get<QPay.Functions.Storage.RedisLock>().TryAcquireAsync(QPay.Functions.Storage.RedisKeys.RefundLock(sessionId), TimeSpan.FromMinutes(1), "test");
        Assert.NotNull(held);
        await harness.Get<IRefundQueue>().EnqueueAsync(new RefundMessage(sessionId), TimeSpan.Zero, default);

        Assert.Equal(1, await harness.ProcessRefundQueueAsync());

        Assert.Equal(1, await harness.QueuedRefundMessagesAsync());
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentRefund));
    }

    /// <summary>The real ledger, failing its first plan write (a storage blip while a refund starts).</summary>
    private sealed class RefundTableFailingOnce(Func<bool> shouldFail)
    {
        public IRefundLedger Wrap(IRefundLedger inner) => new Ledger(inner, shouldFail);

        private sealed class Ledger(IRefundLedger inner, Func<bool> shouldFail) : IRefundLedger
        {
            public Task<RefundPlan?> GetPlanAsync(string sessionId, CancellationToken cancellationToken) => inner.GetPlanAsync(sessionId, cancellationToken);

            public Task<(RefundPlan? Plan, bool Changed)> UpdatePlanAsync(string sessionId, Func<RefundPlan?, RefundPlan?> change, CancellationToken cancellationToken) =>
                shouldFail() ? throw new IOException("simulated storage blip") : inner.UpdatePlanAsync(sessionId, change, cancellationToken);

            public Task<RefundRecord?> GetAsync(string sessionId, string key, CancellationToken cancellationToken) => inner.GetAsync(sessionId, key, cancellationToken);

            public Task<IReadOnlyList<RefundRecord>> ListAsync(string sessionId, CancellationToken cancellationToken) => inner.ListAsync(sessionId, cancellationToken);

            public Task<(RefundRecord Record, bool Created)> AddAsync(RefundRecord record, CancellationToken cancellationToken) => inner.AddAsync(record, cancellationToken);

            public Task<(RefundRecord? Record, bool Changed)> UpdateAsync(string sessionId, string key, Func<RefundRecord, RefundRecord?> change, CancellationToken cancellationToken) =>
                inner.UpdateAsync(sessionId, key, change, cancellationToken);

            public Task<RefundPage> ListAsync(RefundMethod method, RefundStatus status, int pageSize, string? continuationToken, CancellationToken cancellationToken) =>
                inner.ListAsync(method, status, pageSize, continuationToken, cancellationToken);
        }
    }

    [Fact]
    public async Task A_refund_held_by_another_caller_is_not_asked_of_QPay_again()
    {
        var (harness, _) = await StartAsync();
        await using var _ = harness;
        var (sessionId, _, paymentId) = await PaidByCardAsync(harness, "user-refund-lease");
        var ledger = harness.Get<IRefundLedger>();
        await ledger.UpdatePlanAsync(sessionId, p => new RefundPlan { SessionId = sessionId, WholeReason = "OTHER", WholeSource = "operator", WholeRequestedAt = DateTimeOffset.UtcNow }, default);
        var session = await Session(harness, sessionId);
        await harness.Get<ISessionStore>().UpdateAsync(sessionId, s => s with { Status = SessionStatus.RefundPending }, default);
        var now = harness.Get<TimeProvider>().GetUtcNow();
        await ledger.AddAsync(new RefundRecord
        {
            SessionId = sessionId, Key = RefundKeys.Payment(paymentId), InvoiceId = session.InvoiceId!, Kind = RefundKind.Payment, PaymentId = paymentId,
            AmountMnt = Carts.TwoSellersMnt, Method = RefundMethod.Api, Status = RefundStatus.Pending, Reason = "OTHER", CreatedAt = now,
            LeaseUntil = now + TimeSpan.FromMinutes(2), Attempts = 1,
        }, default);

        var progress = await harness.Get<RefundProcessor>().ProcessAsync(sessionId);

        Assert.Equal(RefundRun.Retrying, progress.Run);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentRefund));
        Assert.Equal(SandboxPaymentStatus.Paid, harness.Sandbox.State.FindPayment(paymentId)!.Status);
    }
}
