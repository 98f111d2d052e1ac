using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using QPay.Functions.Functions;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments;

/// <summary>The reconciler: what callbacks did not finish, it does, without polling QPay.</summary>
public sealed class ReconcilerTests
{
    /// <summary>Three checks, all due at once, so a test need not wait minutes.</summary>
    private static readonly Action<IServiceCollection> ImmediateSchedule = PaymentsHarness.ImmediateRecovery;

    [Fact]
    public async Task A_paid_session_whose_callback_never_came_is_completed_by_the_reconciler()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: ImmediateSchedule);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-rc-1");
        await harness.PayAsync(invoiceId); // no callback is delivered

        var summary = await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();
        var after = await harness.ReconcileAsync();

        Assert.Equal(1, summary.Checked);
        Assert.Equal(1, summary.Recovered);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Equal(0, after.Checked);
        Assert.Null(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));
        Assert.Equal(0, await harness.DueRowsAsync(sessionId));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Message.StartsWith("Reconciler timer: 1 visits queued of 1 due", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unpaid_session_is_checked_a_bounded_number_of_times_then_expires_with_its_invoice_cancelled()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await PaymentsHarness.StartAsync(services: s => { ImmediateSchedule(s); s.AddSingleton<TimeProvider>(clock); });
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-rc-2");

        var runs = new List<ReconcileSummary>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add(await harness.ReconcileAsync());
        }

        // Three scheduled checks, then nothing until the session's expiry (30 minutes by default).
        Assert.Equal(3, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Equal([1, 1, 1, 0, 0], runs.Select(r => r.Checked));
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);

        clock.Advance(TimeSpan.FromMinutes(30));
        var expiry = await harness.ReconcileAsync();

        Assert.Equal(1, expiry.Expired);
        Assert.Equal(4, harness.QPayCalls(EndpointKeys.PaymentCheck)); // the last check at expiry
        var expired = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(SessionStatus.Expired, expired.Status);
        Assert.Equal(clock.GetUtcNow(), expired.ExpiredAt);
        Assert.Equal(QPay.Sandbox.SandboxInvoiceStatus.Canceled, harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "ReconcileGaveUp" && r.Message.Contains("NOT_PAID") && r.Message.Contains("expired"));
        Assert.Equal(0, (await harness.ReconcileAsync()).Checked);
        Assert.Null(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));
    }

    [Fact]
    public async Task A_payment_made_at_the_last_second_wins_at_expiry_and_is_processed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await PaymentsHarness.StartAsync(services: s => { ImmediateSchedule(s); s.AddSingleton<TimeProvider>(clock); });
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-rc-late");
        for (var i = 0; i < 3; i++)
        {
            await harness.ReconcileAsync(); // three answered checks: NOT_PAID
        }

        clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        await harness.PayAsync(invoiceId); // paid a second before expiry, its callback lost
        clock.Advance(TimeSpan.FromSeconds(1));
        var expiry = await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(1, expiry.Recovered);
        Assert.Equal(0, expiry.Expired);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.NotEqual(QPay.Sandbox.SandboxInvoiceStatus.Canceled, harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
    }

    [Fact]
    public async Task Checks_qpay_does_not_answer_never_use_up_the_schedule()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: ImmediateSchedule);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-rc-outage");
        var paymentId = await harness.PayAsync(invoiceId);
        // QPay fails every check (the callback's and five reconciler runs') until it is cleared
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, Status = 500, Count = 1_000 });

        var callback = await harness.CallbackAsync(invoiceId, paymentId);
        for (var i = 0; i < 5; i++)
        {
            await harness.ReconcileAsync();
        }

        var entry = (await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default))!;
        harness.Sandbox.ClearFaults();
        var recovered = await harness.ReconcileAsync(); // QPay answers again
        await harness.ProcessOrderQueueAsync();

        Assert.Equal("VERIFICATION_FAILED", callback.Reason);
        Assert.Equal(0, entry.Checks);
        Assert.Equal(5, entry.Failures);
        Assert.Equal(1, recovered.Recovered);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task A_claim_whose_session_never_became_paid_is_finished_by_the_reconciler()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: ImmediateSchedule);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-rc-died");
        // The process died right after inserting the claim: no message, session still PENDING.
        await harness.Get<IProcessedInvoiceStore>().TryClaimAsync(new ProcessedInvoice
        {
            InvoiceId = invoiceId,
            SessionId = sessionId,
            ClaimId = "claim-of-a-dead-process",
            State = ClaimState.Verified,
            PaidMnt = Carts.TwoSellersMnt,
            PaymentIds = ["p1"],
            OrderIds = QPay.Functions.Payments.Orders.OrderIds.For(invoiceId, ["shop-a", "shop-b"]),
            VerifiedAt = DateTimeOffset.UtcNow.AddMinutes(-10),
            EnqueuedAt = DateTimeOffset.UtcNow.AddMinutes(-10),
        }, default);

        var summary = await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(1, summary.Requeued);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Null(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));
    }

    [Fact]
    public async Task One_entry_failing_does_not_stop_the_run_and_is_tried_again_later()
    {
        var poisoned = new HashSet<string>();
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
        {
            ImmediateSchedule(s);
            s.AddSingleton<ISessionStore>(sp => new ThrowingSessionStore(ActivatorUtilities.CreateInstance<SessionTableStore>(sp), poisoned));
        });
        var (broken, _) = await harness.SeedTwoSellerSessionAsync("user-rc-broken");
        var (_, fine) = await harness.SeedTwoSellerSessionAsync("user-rc-broken");
        await harness.PayAsync(fine);
        poisoned.Add(broken);

        var summary = await harness.ReconcileAsync();

        Assert.Equal(1, summary.Failed);
        Assert.Equal(1, summary.Recovered);
        var retry = (await harness.Get<IPendingSessionIndex>().GetAsync(broken, default))!;
        Assert.True(retry.NextCheckAt > DateTimeOffset.UtcNow);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "ReconcileEntryFailed" && r.Message.Contains(broken));
    }

    [Fact]
    public async Task The_timer_tops_the_queue_up_to_its_target_and_leaves_the_rest_due()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
        {
            ImmediateSchedule(s);
            s.PostConfigure<PaymentOptions>(o => o.ReconcileQueueTarget = 2);
        });
        var sessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add((await harness.SeedTwoSellerSessionAsync("user-rc-target-" + i)).SessionId);
        }

        var dispatcher = harness.Get<ReconcileDispatcher>();
        var first = await dispatcher.RunAsync(default);
        var full = await dispatcher.RunAsync(default);
        var visits = await harness.VisitQueuedAsync();
        var rest = await dispatcher.RunAsync(default);

        Assert.Equal((2, 2), (first.Due, first.Issued));
        Assert.Equal((0, 2), (full.Issued, full.Waiting));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "ReconcileQueueFull");
        Assert.Equal(2, visits.Count(v => v == ReconcileVisit.Checked));
        Assert.Equal(2, harness.QPayCalls(EndpointKeys.PaymentCheck));
        // The one never checked goes first, before the two whose second check is due (at once, on this schedule).
        Assert.Equal(2, rest.Issued);
        var queued = (await harness.ReconcileQueue().PeekMessagesAsync(32)).Value.Select(m => ReconcileMessage.Parse(m.Body.ToString())!.SessionId).ToList();
        var neverChecked = new List<string>();
        foreach (var id in sessions)
        {
            if ((await harness.Get<IPendingSessionIndex>().GetAsync(id, default))!.Checks == 0)
            {
                neverChecked.Add(id);
            }
        }

        Assert.Equal(2, queued.Count);
        Assert.Contains(Assert.Single(neverChecked), queued);
    }

    private sealed class ThrowingSessionStore(ISessionStore inner, HashSet<string> poisoned) : ISessionStore
    {
        public Task CreateAsync(PaymentSession session, PendingSessionEntry? reconcileEntry, CancellationToken cancellationToken) =>
            inner.CreateAsync(session, reconcileEntry, cancellationToken);

        public Task<PaymentSession?> GetAsync(string sessionId, CancellationToken cancellationToken) =>
            poisoned.Contains(sessionId) ? throw new InvalidOperationException("a corrupt row") : inner.GetAsync(sessionId, cancellationToken);

        public Task<PaymentSession?> UpdateAsync(string sessionId, Func<PaymentSession, PaymentSession?> change, CancellationToken cancellationToken) =>
            inner.UpdateAsync(sessionId, change, cancellationToken);

        public Task<PaymentSession?> UpdateAsync(string sessionId, Func<PaymentSession, CancellationToken, Task<PaymentSession?>> change, CancellationToken cancellationToken) =>
            inner.UpdateAsync(sessionId, change, cancellationToken);
    }

    [Fact]
    public async Task With_the_default_schedule_a_new_session_is_not_checked_at_once()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-rc-3");

        var summary = await harness.ReconcileAsync();

        Assert.Equal(0, summary.Checked);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentCheck));
        var entry = (await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default))!;
        Assert.InRange(entry.NextCheckAt - entry.CreatedAt, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task A_verification_failure_at_callback_time_is_completed_by_the_reconciler()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: ImmediateSchedule);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-rc-4");
        var paymentId = await harness.PayAsync(invoiceId);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, Status = 500, Count = 1_000 });

        var callback = await harness.CallbackAsync(invoiceId, paymentId);
        harness.Sandbox.ClearFaults(); // QPay recovers
        var summary = await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.Equal("VERIFICATION_FAILED", callback.Reason);
        Assert.Equal(1, summary.Recovered);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task A_verified_claim_whose_message_was_lost_is_queued_again()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: ImmediateSchedule);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-rc-5");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        await harness.OrderQueue().ClearMessagesAsync(); // a crash between claim and queue, or a lost message

        var summary = await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(1, summary.Requeued);
        Assert.Equal(0, summary.Checked);
        Assert.Equal(ClaimState.OrdersCreated, (await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default))!.State);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task The_timer_function_queues_the_visit_and_the_queue_function_checks_it()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: ImmediateSchedule);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-rc-6");
        await harness.PayAsync(invoiceId);

        await harness.Function<ReconcilerFunction>().ReconcilePayments(new Microsoft.Azure.Functions.Worker.TimerInfo(), default);
        var message = Assert.Single((await harness.ReconcileQueue().ReceiveMessagesAsync(32)).Value);
        await harness.Function<ReconcileQueueFunction>().ReconcileSession(message, default);

        Assert.NotNull(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default));
    }
}
