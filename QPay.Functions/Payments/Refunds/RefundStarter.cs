using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Refunds;

/// <summary>How asking for a whole refund ended.</summary>
public enum WholeRefundStart
{
    /// <summary>The session is (now, or already) being refunded whole.</summary>
    Started,

    /// <summary>A seller's share or an overpayment's excess went, or goes, back on its own: a whole refund would give it twice.</summary>
    PartlyRefunded,
}

/// <summary>
/// Starts the refund of a whole session, for the refund route and for the automatic cases (a
/// late payment, an underpaid session that expired or was cancelled). In this order, each step
/// idempotent, so that a failure (thrown to the caller's own retry) never leaves money forgotten:
/// the plan says the session is refunded whole; the reconciler's index gets the session, so a
/// lost message is found again; the session becomes REFUND_PENDING; a message asks the refund
/// queue to do it (unless the caller does it itself).
/// </summary>
public sealed class RefundStarter(
    IRefundLedger ledger,
    ISessionStore sessions,
    ISessionCache cache,
    IPendingSessionIndex index,
    IRefundQueue queue,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    IPaymentAudit audit,
    ILogger<RefundStarter> logger)
{
    public const string OperatorSource = "operator";
    public const string AutomaticSource = "automatic";

    /// <summary>Writes the plan only: the first step, for a caller that changes the session in between.</summary>
    public async Task<WholeRefundStart> PlanWholeAsync(PaymentSession session, string reason, string? note, string source, CancellationToken cancellationToken) =>
        (await PlanAsync(session, reason, note, source, cancellationToken).ConfigureAwait(false)) is null ? WholeRefundStart.PartlyRefunded : WholeRefundStart.Started;

    /// <summary>The plan with the whole refund in it, or null when the plan refuses one.</summary>
    private async Task<RefundPlan?> PlanAsync(PaymentSession session, string reason, string? note, string source, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (plan, changed) = await ledger.UpdatePlanAsync(
            session.SessionId,
            current => RefundPlanRules.WithWhole(current, session.SessionId, reason, note, source, now),
            cancellationToken).ConfigureAwait(false);
        if (plan?.IsWhole != true)
        {
            return null;
        }

        if (changed)
        {
            audit.Record(session.SessionId, PaymentEvents.Refund("REQUESTED", session.PaidMnt, null, session.InvoiceId, reason, source));
            if (source == AutomaticSource)
            {
                Log.AutomaticRefund(logger, session.SessionId, session.InvoiceId ?? "-", session.PaidMnt ?? 0m, reason);
            }
            else
            {
                Log.RefundRequested(logger, session.SessionId, session.InvoiceId ?? "-", reason);
            }
        }

        return plan;
    }

    /// <summary>Withdraws an underpaid session's planned refund when the session became paid instead of expired or cancelled.</summary>
    public async Task WithdrawUnderpaidAsync(string sessionId, CancellationToken cancellationToken)
    {
        var (_, changed) = await ledger.UpdatePlanAsync(sessionId, RefundPlanRules.WithoutUnderpaidWhole, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            audit.Record(sessionId, PaymentEvents.Refund("WITHDRAWN", null, null, null, RefundReasons.Underpaid, AutomaticSource));
        }
    }

    /// <param name="enqueue">False when the caller carries the refund out itself right away (the route).</param>
    public async Task<(WholeRefundStart Result, PaymentSession Session)> StartWholeAsync(
        PaymentSession session, string reason, string? note, string source, bool enqueue, CancellationToken cancellationToken)
    {
        if (await PlanAsync(session, reason, note, source, cancellationToken).ConfigureAwait(false) is not { } plan)
        {
            return (WholeRefundStart.PartlyRefunded, session);
        }

        var now = clock.GetUtcNow();
        await index.AddAsync(
            new PendingSessionEntry(session.SessionId, session.CreatedAt, now + options.Value.RefundFollowUp, LastOutcome: PendingSessionEntry.RefundOutcome),
            cancellationToken).ConfigureAwait(false);

        var records = await ledger.ListAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
        var pending = await sessions.UpdateAsync(
            session.SessionId,
            s => s.Status is SessionStatus.RefundPending or SessionStatus.Refunded && s.Refund?.Whole == true
                ? null
                : s with { Status = SessionStatus.RefundPending, Refund = RefundProjection.Summarise(s, plan, records) },
            cancellationToken).ConfigureAwait(false) ?? session;
        await cache.StoreAsync(pending).ConfigureAwait(false);

        if (enqueue)
        {
            await queue.EnqueueAsync(new RefundMessage(session.SessionId), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }

        return (WholeRefundStart.Started, pending);
    }
}
