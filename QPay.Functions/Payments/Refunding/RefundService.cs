using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Refunding;

/// <summary>How a refund request (whole, a seller's share, or a settlement) ended.</summary>
public enum RefundResult
{
    /// <summary>Done or under way: the session (and the refund concerned) say where it stands.</summary>
    Accepted,

    /// <summary>No such session, or no such refund.</summary>
    NotFound,

    /// <summary>Nothing was paid that can be refunded here (PENDING: cancel it; FAILED, EXPIRED, CANCELLED).</summary>
    NotRefundable,

    /// <summary>Paid, but its orders are still being created: try again in a moment.</summary>
    NotYet,

    /// <summary>A seller's share or an overpayment's excess goes back on its own: a whole refund would repeat it.</summary>
    PartlyRefunded,

    /// <summary>The whole session is refunded already: a share of it cannot be refunded again.</summary>
    WholeRefunded,

    /// <summary>The shop is not a seller of this session.</summary>
    UnknownShop,

    /// <summary>The refund is QPay's to make (a card reversal): there is no transfer to record.</summary>
    NotManual,

    /// <summary>The refund was settled with another reference.</summary>
    AlreadySettled,

    /// <summary>The refund was replaced by a whole refund: nothing is to be transferred for it.</summary>
    Superseded,
}

public sealed record RefundOutcome(RefundResult Result, PaymentSession? Session = null, RefundRecord? Refund = null);

/// <summary>
/// The operator's refunds (the internal routes): a whole session (carried out at once by
/// <see cref="RefundProcessor"/>, retried through the queue), one seller's order (a manual
/// refund of exactly that order's MNT total: QPay cannot reverse part of a payment), and the
/// settlement of a manual refund by the bank transfer's reference.
/// </summary>
public sealed class RefundService(
    ISessionStore sessions,
    IRefundLedger ledger,
    IProcessedInvoiceStore claims,
    IOrderStore orders,
    RefundStarter starter,
    RefundProcessor processor,
    RefundSync sync,
    TimeProvider clock,
    IPaymentAudit audit,
    ILogger<RefundService> logger)
{
    public async Task<RefundOutcome> RefundSessionAsync(string sessionId, string reason, string? note, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            return new RefundOutcome(RefundResult.NotFound);
        }

        switch (session.Status)
        {
            case SessionStatus.Processed:
                var (started, _) = await starter.StartWholeAsync(session, reason, note, RefundStarter.OperatorSource, enqueue: false, cancellationToken).ConfigureAwait(false);
                if (started == WholeRefundStart.PartlyRefunded)
                {
                    return new RefundOutcome(RefundResult.PartlyRefunded, session);
                }

                break;
            case SessionStatus.RefundPending or SessionStatus.Refunded:
                break;
            default:
                return Refused(session);
        }

        var progress = await processor.ProcessAsync(sessionId).ConfigureAwait(false);
        return new RefundOutcome(RefundResult.Accepted, progress.Session ?? session);
    }

    public async Task<RefundOutcome> RefundShareAsync(string sessionId, string shopId, string reason, string? note, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            return new RefundOutcome(RefundResult.NotFound);
        }

        if (session.Status is SessionStatus.RefundPending or SessionStatus.Refunded && session.Refund?.Whole != false)
        {
            return new RefundOutcome(RefundResult.WholeRefunded, session);
        }

        if (session.Status != SessionStatus.Processed)
        {
            return Refused(session);
        }

        if (!session.Sellers.Contains(shopId, StringComparer.Ordinal))
        {
            return new RefundOutcome(RefundResult.UnknownShop, session);
        }

        var invoiceId = session.InvoiceId!;
        var order = await orders.GetAsync(session.UserId, OrderIds.For(invoiceId, shopId), cancellationToken).ConfigureAwait(false);
        if (order is null)
        {
            return new RefundOutcome(RefundResult.NotYet, session);
        }

        // The plan is where a share and a whole refund meet: only one of them can be written.
        var (plan, _) = await ledger.UpdatePlanAsync(
            sessionId,
            p => RefundPlanRules.WithShop(p, sessionId, shopId),
            cancellationToken).ConfigureAwait(false);
        if (plan is null or { IsWhole: true })
        {
            return new RefundOutcome(RefundResult.WholeRefunded, session);
        }

        var claim = await claims.GetAsync(session.SessionId, invoiceId, cancellationToken).ConfigureAwait(false);
        var (record, created) = await ledger.AddAsync(
            new RefundRecord
            {
                SessionId = sessionId,
                Key = RefundKeys.Share(shopId),
                InvoiceId = invoiceId,
                Kind = RefundKind.Share,
                PaymentId = claim?.PaymentIds.FirstOrDefault(),
                ShopId = shopId,
                AmountMnt = order.TotalMnt,
                Method = RefundMethod.Manual,
                Status = RefundStatus.Pending,
                Reason = reason,
                Note = note,
                CreatedAt = clock.GetUtcNow(),
            },
            cancellationToken).ConfigureAwait(false);
        if (created)
        {
            audit.Record(sessionId, PaymentEvents.Refund("PENDING", record.AmountMnt, record.PaymentId, invoiceId, "share:" + shopId, RefundStarter.OperatorSource));
            Log.ShareRefundRecorded(logger, sessionId, shopId, record.AmountMnt, record.RefundId, reason);
        }

        var synced = await sync.ApplyAsync(session, cancellationToken).ConfigureAwait(false);
        return new RefundOutcome(RefundResult.Accepted, synced, record);
    }

    /// <summary>Records the bank transfer that gave a manual refund back. The same reference again is the same answer.</summary>
    public async Task<RefundOutcome> SettleAsync(string refundId, string reference, CancellationToken cancellationToken)
    {
        if (!RefundKeys.TryParse(refundId, out var sessionId, out var key)
            || await ledger.GetAsync(sessionId, key, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return new RefundOutcome(RefundResult.NotFound);
        }

        switch (record)
        {
            case { Status: RefundStatus.Superseded }:
                return new RefundOutcome(RefundResult.Superseded, Refund: record);
            case { Status: RefundStatus.Refunded }:
                return new RefundOutcome(record.Reference == reference ? RefundResult.Accepted : RefundResult.AlreadySettled, Refund: record);
            case { Method: not RefundMethod.Manual }:
                return new RefundOutcome(RefundResult.NotManual, Refund: record);
        }

        if (record.Kind == RefundKind.Excess)
        {
            // An excess transferred by hand rules out a whole refund (it would give the excess again), and the other way round.
            var (plan, _) = await ledger.UpdatePlanAsync(
                sessionId,
                p => RefundPlanRules.WithExcessSettled(p, sessionId, clock.GetUtcNow()),
                cancellationToken).ConfigureAwait(false);
            if (plan is { IsWhole: true })
            {
                return new RefundOutcome(RefundResult.Superseded, Refund: record);
            }
        }

        var now = clock.GetUtcNow();
        var (settled, changed) = await ledger.UpdateAsync(
            sessionId, key,
            r => r is { Method: RefundMethod.Manual, Status: RefundStatus.Pending } ? r with { Status = RefundStatus.Refunded, Reference = reference, RefundedAt = now } : null,
            cancellationToken).ConfigureAwait(false);
        if (settled is null)
        {
            return new RefundOutcome(RefundResult.NotFound);
        }

        if (!changed)
        {
            // Someone settled or superseded it between our read and our write: answer what is stored.
            return settled.Status == RefundStatus.Refunded && settled.Reference == reference
                ? new RefundOutcome(RefundResult.Accepted, Refund: settled)
                : new RefundOutcome(settled.Status == RefundStatus.Superseded ? RefundResult.Superseded : RefundResult.AlreadySettled, Refund: settled);
        }

        Log.ManualRefundSettled(logger, sessionId, settled.RefundId, settled.AmountMnt);
        audit.Record(sessionId, PaymentEvents.Refund("REFUNDED", settled.AmountMnt, settled.PaymentId, settled.InvoiceId, "settled-manual", RefundStarter.OperatorSource));
        var session = await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (session is not null)
        {
            session = await sync.ApplyAsync(session, cancellationToken).ConfigureAwait(false);
        }

        return new RefundOutcome(RefundResult.Accepted, session, settled);
    }

    /// <summary>Pending refunds of every session: manual ones still to transfer, or card reversals still retried.</summary>
    public Task<RefundPage> ListPendingAsync(RefundMethod method, int pageSize, string? continuationToken, CancellationToken cancellationToken) =>
        ledger.ListAsync(method, RefundStatus.Pending, pageSize, continuationToken, cancellationToken);

    private static RefundOutcome Refused(PaymentSession session) =>
        new(session.Status == SessionStatus.Paid ? RefundResult.NotYet : RefundResult.NotRefundable, session);
}
