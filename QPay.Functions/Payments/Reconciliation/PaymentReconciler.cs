using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Refunding;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Verification;
using QPay.Functions.Payments.Webhooks;
using QPay.Functions.QPayApi;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Reconciliation;

/// <summary>How one visit ended.</summary>
public enum ReconcileVisit
{
    /// <summary>QPay was asked (or a refund carried on): the session is rescheduled.</summary>
    Checked,

    /// <summary>A paid session no callback had finished: claimed now, its orders queued.</summary>
    Recovered,

    /// <summary>A claim stuck at Verified: its order message was queued again.</summary>
    Requeued,

    /// <summary>The session's time was up: its invoice is cancelled at QPay and it is EXPIRED.</summary>
    Expired,

    /// <summary>Nothing left to follow: the session left the index.</summary>
    Removed,

    /// <summary>The visit failed; the session is looked at again in a few minutes.</summary>
    Failed,

    /// <summary>Nothing to do yet (not due, a check running elsewhere, a claim being processed).</summary>
    Waiting,

    /// <summary>The message was a duplicate or stale, or another visit holds the session: nothing was done.</summary>
    Skipped,
}

/// <summary>
/// Finishes what callbacks did not (design §4), one session per visit; the timer
/// (<see cref="ReconcileDispatcher"/>) hands the visits out through the reconcile queue, and any
/// instance takes them. For the session of a visit:
/// <list type="bullet">
/// <item>an invoice with a claim still Verified (a crash or lost message after the claim, whatever
/// the session says) gets its order message queued again;</item>
/// <item>a PENDING session without a claim is checked with QPay through the webhook's own
/// verify-and-claim path (<see cref="InvoiceClaimer"/>, with its per-invoice lock), a bounded number of times on a widening schedule
/// (<see cref="PaymentOptions.ReconcileSchedule"/>): QPay forbids polling, so a visit never checks before the schedule allows. A check QPay does not
/// answer does not count; it is retried on a backoff capped at an hour, for as long as it takes;</item>
/// <item>the checks stop at the session's expiry: then one last check, the invoice is cancelled at
/// QPay so that it can no longer be paid unseen, and the session is EXPIRED; if QPay answers that
/// it was paid meanwhile, it is verified and processed;</item>
/// <item>any other session (processed, failed, cancelled, expired) leaves the index.</item>
/// </list>
/// A visit runs only for the ticket the index handed out, and holds the session while it runs, so
/// a redelivered or duplicate message never checks twice.
/// </summary>
public sealed class PaymentReconciler(
    IPendingSessionIndex index,
    ISessionStore sessions,
    ISessionCache cache,
    IProcessedInvoiceStore claims,
    InvoiceClaimer claimer,
    RefundStarter refunds,
    RefundProcessor refunder,
    IRefundLedger refundLedger,
    IQPayClient qpay,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    PaymentMetrics metrics,
    IPaymentAudit audit,
    ILogger<PaymentReconciler> logger)
{
    public const int MaxRequeues = 5;

    /// <summary>The last outcome of an entry whose visit died unfinished.</summary>
    public const string InterruptedOutcome = "INTERRUPTED";
    private static readonly TimeSpan MaxFailureBackoff = TimeSpan.FromHours(1);
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromMinutes(5);

    /// <summary>How much earlier than its schedule a visit may come (instances' clocks differ a little).</summary>
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(30);

    /// <summary>One visit, recorded by outcome (<c>qpay.reconciler.visits</c>).</summary>
    public async Task<ReconcileVisit> VisitAsync(ReconcileMessage message, CancellationToken cancellationToken)
    {
        var visit = await RunVisitAsync(message, cancellationToken).ConfigureAwait(false);
        metrics.ReconcileVisited(visit.ToString().ToUpperInvariant());
        return visit;
    }

    private async Task<ReconcileVisit> RunVisitAsync(ReconcileMessage message, CancellationToken cancellationToken)
    {
        var entry = await index.BeginVisitAsync(message.SessionId, message.Ticket, options.Value.ReconcileVisitLease, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return ReconcileVisit.Skipped;
        }

        try
        {
            return await ReconcileAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping: the visit is given back, so the message's redelivery can take it up again.
            await index.ReleaseVisitAsync(entry, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception exception)
        {
            Log.ReconcileEntryFailed(logger, exception, entry.SessionId);
            await index.UpdateAsync(entry with { NextCheckAt = clock.GetUtcNow() + RetryAfterError, LastOutcome = "ERROR" }, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Failed;
        }
    }

    /// <summary>
    /// One visit. The host's stop (<paramref name="cancellationToken"/>) is honoured only while the visit
    /// reads; once it writes or asks QPay it runs to its end, so that a redelivered message never repeats a check.
    /// </summary>
    private async Task<ReconcileVisit> ReconcileAsync(PendingSessionEntry entry, CancellationToken cancellationToken)
    {
        if (entry.NextCheckAt > clock.GetUtcNow() + ClockTolerance)
        {
            // Handed out early (another instance's clock is ahead): back to its own time.
            await index.UpdateAsync(entry, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Waiting;
        }

        var session = await sessions.GetAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
        if (session is null or { InvoiceId: null })
        {
            await index.RemoveAsync(entry.SessionId, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Removed;
        }

        if (session.Status is SessionStatus.RefundPending or SessionStatus.Refunded)
        {
            return await FollowRefundAsync(entry).ConfigureAwait(false);
        }

        var invoiceId = session.InvoiceId!;
        var claim = await claims.GetAsync(session.SessionId, invoiceId, cancellationToken).ConfigureAwait(false);
        if (claim is not null)
        {
            return await FollowClaimAsync(entry, claim).ConfigureAwait(false);
        }

        if (session.Status.IsClosedUnpaid()
            && await refundLedger.GetPlanAsync(session.SessionId, cancellationToken).ConfigureAwait(false) is { IsWhole: true } plan)
        {
            // An underpaid session whose refund was planned but not started (the expiry or cancel stopped half-way).
            await refunds.StartWholeAsync(session, plan.WholeReason!, plan.WholeNote, RefundStarter.AutomaticSource, enqueue: true, CancellationToken.None).ConfigureAwait(false);
            await FollowRefundLaterAsync(entry).ConfigureAwait(false);
            return ReconcileVisit.Checked;
        }

        if (session.Status != SessionStatus.Pending)
        {
            // Failed, cancelled, expired (late payments arrive by callback) or finished: nothing to follow.
            await index.RemoveAsync(entry.SessionId, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Removed;
        }

        var now = clock.GetUtcNow();
        if (now >= session.ExpiresAt)
        {
            return await ExpireAsync(entry, session).ConfigureAwait(false);
        }

        var schedule = options.Value.ReconcileSchedule;
        if (entry.Checks >= schedule.Count)
        {
            // Every scheduled check is used up: the next look is the expiry.
            await index.UpdateAsync(entry with { NextCheckAt = session.ExpiresAt }, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Waiting;
        }

        var checks = entry.Checks + 1;
        var next = checks < schedule.Count ? entry.CreatedAt + schedule[checks] : session.ExpiresAt;
        if (entry.Interrupted)
        {
            // The visit before this one died unfinished, perhaps after asking QPay: its check counts as made.
            await index.UpdateAsync(
                entry with { Checks = checks, NextCheckAt = Earliest(Later(next, now), session.ExpiresAt), LastOutcome = InterruptedOutcome },
                CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Waiting;
        }

        var outcome = await VerifyAndClaimAsync(session, "scheduled").ConfigureAwait(false);
        if (await FollowUpAsync(entry, session, outcome).ConfigureAwait(false) is { } followed)
        {
            return followed;
        }

        await index.UpdateAsync(
            entry with { Checks = checks, NextCheckAt = Earliest(Later(next, now), session.ExpiresAt), LastOutcome = outcome.Result.ToApi() },
            CancellationToken.None).ConfigureAwait(false);
        return ReconcileVisit.Checked;
    }

    /// <summary>
    /// What every check's outcome but "not paid" leads to: a claim is followed until its orders
    /// exist; a check in progress elsewhere is looked at again shortly; a check QPay did not answer
    /// is retried on a doubling backoff (it never uses up the schedule). Null for NOT_PAID and AMOUNT_MISMATCH.
    /// </summary>
    private async Task<ReconcileVisit?> FollowUpAsync(PendingSessionEntry entry, PaymentSession session, ClaimOutcome outcome)
    {
        var now = clock.GetUtcNow();
        if (outcome.IsClaimed)
        {
            if (outcome.Result == ClaimResult.Claimed)
            {
                Log.ReconcileRecovered(logger, session.SessionId, session.InvoiceId!);
            }

            await index.UpdateAsync(entry with { NextCheckAt = now + options.Value.StuckClaimAfter, LastOutcome = PendingSessionEntry.ClaimedOutcome }, CancellationToken.None).ConfigureAwait(false);
            return outcome.Result == ClaimResult.Claimed ? ReconcileVisit.Recovered : ReconcileVisit.Checked;
        }

        if (outcome.Result == ClaimResult.InProgress)
        {
            await index.UpdateAsync(entry with { NextCheckAt = now + TimeSpan.FromMinutes(1) }, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Waiting;
        }

        if (outcome.Result == ClaimResult.VerificationFailed)
        {
            await RetryLaterAsync(entry, "VERIFICATION_FAILED").ConfigureAwait(false);
            return ReconcileVisit.Checked;
        }

        return null;
    }

    /// <summary>
    /// The session's time is up: one last check (a payment made at the last second wins and is
    /// processed), then its invoice is cancelled at QPay so it cannot be paid unseen, and the
    /// session becomes EXPIRED. QPay answering that the invoice was paid meanwhile sends it through
    /// verification again; any other refusal is retried on a backoff, each time after a fresh check.
    /// </summary>
    private async Task<ReconcileVisit> ExpireAsync(PendingSessionEntry entry, PaymentSession session)
    {
        var invoiceId = session.InvoiceId!;
        var last = await VerifyAndClaimAsync(session, "expiry").ConfigureAwait(false);

        if (await FollowUpAsync(entry, session, last).ConfigureAwait(false) is { } followed)
        {
            return followed;
        }

        try
        {
            await qpay.CancelInvoiceAsync(invoiceId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QPayApiException exception) when (exception.ErrorCode is "INVOICE_PAID")
        {
            var paid = await VerifyAndClaimAsync(session, "invoice-paid").ConfigureAwait(false);
            if (await FollowUpAsync(entry, session, paid).ConfigureAwait(false) is { } after)
            {
                return after;
            }

            if (paid.Result != ClaimResult.AmountMismatch)
            {
                await RetryLaterAsync(entry, "INVOICE_PAID_NOT_VERIFIED").ConfigureAwait(false);
                return ReconcileVisit.Checked;
            }

            // Paid in part, so QPay keeps the invoice open: it expires here all the same, and its
            // payments (any later one too, see InvoiceClaimer) go back to the customer.
            last = paid;
        }
        catch (QPayApiException exception) when (!exception.IsInvoiceGone)
        {
            await RetryLaterAsync(entry, "CANCEL_FAILED:" + (exception.ErrorCode ?? "NONE")).ConfigureAwait(false);
            return ReconcileVisit.Checked;
        }
        catch (QPayApiException)
        {
            // Already cancelled or gone: nothing is payable any more.
        }

        // Paid in part: the plan to give it back is written before the session expires, so a
        // failure after this point is finished by the next visit (see ReconcileAsync).
        var underpaid = last.Result == ClaimResult.AmountMismatch;
        if (underpaid)
        {
            await refunds.PlanWholeAsync(session with { PaidMnt = last.PaidMnt }, RefundReasons.Underpaid, null, RefundStarter.AutomaticSource, CancellationToken.None).ConfigureAwait(false);
        }

        var now = clock.GetUtcNow();
        var expired = await sessions.UpdateAsync(
            session.SessionId,
            s => s.Status == SessionStatus.Pending ? s with { Status = SessionStatus.Expired, ExpiredAt = now, PaidMnt = underpaid ? last.PaidMnt : s.PaidMnt } : null,
            CancellationToken.None).ConfigureAwait(false);
        if (expired is not null)
        {
            await cache.StoreAsync(expired).ConfigureAwait(false);
        }

        if (expired is { Status: SessionStatus.Expired })
        {
            audit.Record(session.SessionId, PaymentEvents.Expired(PaymentMetrics.Sources.Reconciler, PaymentEvents.ExpiredReasons.TimeUp, invoiceId, underpaid ? last.PaidMnt : null));
        }

        Log.ReconcileGaveUp(logger, session.SessionId, invoiceId, entry.Checks, last.Result.ToApi(), "invoice cancelled at QPay, session expired");
        if (underpaid && expired is not { Status: SessionStatus.Expired })
        {
            // Paid meanwhile: the session goes the PAID way, and the refund planned for it is withdrawn.
            await refunds.WithdrawUnderpaidAsync(session.SessionId, CancellationToken.None).ConfigureAwait(false);
        }

        if (underpaid && expired is { Status: SessionStatus.Expired })
        {
            // Keeps the session in the index (the refund's own entry) until its refund is done.
            await refunds.StartWholeAsync(expired, RefundReasons.Underpaid, null, RefundStarter.AutomaticSource, enqueue: true, CancellationToken.None).ConfigureAwait(false);
            await FollowRefundLaterAsync(entry).ConfigureAwait(false);
            return ReconcileVisit.Expired;
        }

        await index.RemoveAsync(entry.SessionId, CancellationToken.None).ConfigureAwait(false);
        return ReconcileVisit.Expired;
    }

    /// <summary>A refunding session: carried on here when its queue message was lost or poisoned.</summary>
    private async Task<ReconcileVisit> FollowRefundAsync(PendingSessionEntry entry)
    {
        var progress = await refunder.ProcessAsync(entry.SessionId).ConfigureAwait(false);
        switch (progress.Run)
        {
            case RefundRun.Finished or RefundRun.NotRefunding:
                await index.RemoveAsync(entry.SessionId, CancellationToken.None).ConfigureAwait(false);
                return ReconcileVisit.Removed;
            case RefundRun.Busy:
                await index.UpdateAsync(entry with { NextCheckAt = clock.GetUtcNow() + TimeSpan.FromMinutes(1) }, CancellationToken.None).ConfigureAwait(false);
                return ReconcileVisit.Waiting;
            default:
                // Retrying: the processor put the session back in the index for after its next attempt.
                return ReconcileVisit.Checked;
        }
    }

    /// <summary>
    /// After a refund was started: the starter put the session in the index for its follow-up, and this
    /// visit's entry is outdated then; if the starter did not (the plan was already under way), the refund is followed all the same.
    /// </summary>
    private Task FollowRefundLaterAsync(PendingSessionEntry entry) =>
        index.UpdateAsync(entry with { NextCheckAt = clock.GetUtcNow() + options.Value.RefundFollowUp, LastOutcome = PendingSessionEntry.RefundOutcome }, CancellationToken.None);

    private Task RetryLaterAsync(PendingSessionEntry entry, string outcome)
    {
        var failures = entry.Failures + 1;
        var backoff = TimeSpan.FromTicks(Math.Min(MaxFailureBackoff.Ticks, options.Value.ReconcileFailureBackoff.Ticks << Math.Min(failures - 1, 10)));
        return index.UpdateAsync(entry with { Failures = failures, NextCheckAt = clock.GetUtcNow() + backoff, LastOutcome = outcome }, CancellationToken.None);
    }

    /// <summary>
    /// The webhook's own verify-and-claim path, recorded as a webhook outcome of source reconciler
    /// (<c>qpay.webhook.*</c>), with the reasons a webhook answers, and in the session's audit trail.
    /// </summary>
    /// <param name="phase">Which check this is, for the trail: scheduled, expiry or invoice-paid.</param>
    private async Task<ClaimOutcome> VerifyAndClaimAsync(PaymentSession session, string phase)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = await claimer.VerifyAndClaimAsync(session).ConfigureAwait(false);
        var reason = outcome.Result == ClaimResult.Claimed ? WebhookProcessor.ProcessedReason : outcome.Result.ToApi();
        metrics.WebhookHandled(PaymentMetrics.Sources.Reconciler, reason, Stopwatch.GetElapsedTime(started));
        audit.Record(session.SessionId, PaymentEvents.ReconcilerCheck(reason, session.InvoiceId!, phase));
        return outcome;
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>A claimed invoice: done once its orders exist; queued again while it is stuck at Verified.</summary>
    private async Task<ReconcileVisit> FollowClaimAsync(PendingSessionEntry entry, ProcessedInvoice claim)
    {
        var now = clock.GetUtcNow();
        if (claim.State == ClaimState.OrdersCreated)
        {
            // Done: the orders exist.
            await index.RemoveAsync(entry.SessionId, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Removed;
        }

        if (claim.State == ClaimState.HeldForRefund)
        {
            // A late payment whose refund did not start (its session is not REFUND_PENDING): start it now.
            await claimer.FollowAsync(claim).ConfigureAwait(false);
            await index.UpdateAsync(entry with { NextCheckAt = now + options.Value.RefundFollowUp, LastOutcome = PendingSessionEntry.RefundOutcome }, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Checked;
        }

        if (entry.Requeues >= MaxRequeues)
        {
            // Every attempt ended in the poison queue: the cause needs fixing (docs/reliability.md).
            Log.ReconcileNeedsAttention(logger, entry.SessionId, claim.InvoiceId, entry.Requeues);
            await index.UpdateAsync(entry with { NextCheckAt = now + TimeSpan.FromHours(6), LastOutcome = "POISONED" }, CancellationToken.None).ConfigureAwait(false);
            return ReconcileVisit.Waiting;
        }

        var requeued = await claimer.RequeueIfStuckAsync(claim).ConfigureAwait(false);
        await index.UpdateAsync(
            entry with { Requeues = entry.Requeues + (requeued ? 1 : 0), NextCheckAt = now + options.Value.StuckClaimAfter, LastOutcome = PendingSessionEntry.ClaimedOutcome },
            CancellationToken.None).ConfigureAwait(false);
        return requeued ? ReconcileVisit.Requeued : ReconcileVisit.Waiting;
    }
}
