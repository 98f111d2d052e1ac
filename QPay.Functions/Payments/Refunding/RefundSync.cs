using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Refunding;

/// <summary>
/// Carries the ledger over to what others see: the session's refund summary and status (REFUNDED
/// once every payment of a whole refund is back, through the state machine), and the refund
/// marks of its orders (never deleted). Idempotent: it writes what the ledger says, so running it
/// again after any failure repairs what the last run left.
/// </summary>
public sealed class RefundSync(IRefundLedger ledger, ISessionStore sessions, ISessionCache cache, IOrderStore orders, ReceiptService receipts, IPaymentAudit audit, ILogger<RefundSync> logger)
{
    /// <summary>
    /// Reads the session's plan and refunds and writes what they say; read again and written again
    /// while they change under it, so two refunds settling at once cannot leave the older view.
    /// </summary>
    public async Task<PaymentSession> ApplyAsync(PaymentSession session, CancellationToken cancellationToken)
    {
        var updated = session;
        RefundPlan? plan = null;
        IReadOnlyList<RefundRecord> records = [];
        for (var round = 0; round < 3; round++)
        {
            plan = await ledger.GetPlanAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
            records = await ledger.ListAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
            var (written, changed) = await WriteAsync(session.SessionId, plan, records, cancellationToken).ConfigureAwait(false);
            updated = written ?? updated;
            if (!changed)
            {
                break;
            }
        }

        if (session.Status != SessionStatus.Refunded && updated.Status == SessionStatus.Refunded)
        {
            Log.SessionRefunded(logger, updated.SessionId, updated.InvoiceId ?? "-", updated.Refund?.AmountMnt ?? 0m);
            audit.Record(updated.SessionId, PaymentEvents.Refund("COMPLETED", updated.Refund?.AmountMnt, null, updated.InvoiceId, "session-refunded"));
        }

        await MarkOrdersAsync(updated, plan, records, RefundProjection.IsWholeRefundDone(plan, records), cancellationToken).ConfigureAwait(false);

        // A payment given back whole takes its e-receipt with it (a share or an excess leaves the receipt as it is).
        foreach (var payment in records.Where(r => r is { Kind: RefundKind.Payment, Status: RefundStatus.Refunded, PaymentId: not null }))
        {
            await receipts.CancelAsync(session.SessionId, payment.PaymentId!, cancellationToken).ConfigureAwait(false);
        }

        return updated;
    }

    /// <summary>The summary and status the ledger says, through the state machine; whether the session changed.</summary>
    private async Task<(PaymentSession? Session, bool Changed)> WriteAsync(string sessionId, RefundPlan? plan, IReadOnlyList<RefundRecord> records, CancellationToken cancellationToken)
    {
        var whole = plan?.IsWhole == true;
        var done = RefundProjection.IsWholeRefundDone(plan, records);
        var changed = false;
        var updated = await sessions.UpdateAsync(
            sessionId,
            s =>
            {
                var next = s with
                {
                    Status = !whole ? s.Status : done ? SessionStatus.Refunded : SessionStatus.RefundPending,
                    Refund = RefundProjection.Summarise(s, plan, records),
                };
                changed = next != s;
                return next;
            },
            cancellationToken).ConfigureAwait(false);
        if (updated is not null)
        {
            await cache.StoreAsync(updated).ConfigureAwait(false);
        }

        return (updated, changed);
    }

    private async Task MarkOrdersAsync(PaymentSession session, RefundPlan? plan, IReadOnlyList<RefundRecord> records, bool wholeDone, CancellationToken cancellationToken)
    {
        if (session.InvoiceId is not { } invoiceId || session.OrderIds.Count == 0)
        {
            return;
        }

        var marks = new Dictionary<string, OrderRefund>(StringComparer.Ordinal);
        if (plan is { IsWhole: true })
        {
            var refundedAt = wholeDone ? records.Max(r => r.RefundedAt) : null;
            foreach (var shop in session.Sellers)
            {
                marks[shop] = new OrderRefund(wholeDone ? RefundStatus.Refunded : RefundStatus.Pending, plan.WholeReason!, refundedAt);
            }
        }

        foreach (var share in records.Where(r => r is { Kind: RefundKind.Share, ShopId: not null } && r.Status != RefundStatus.Superseded))
        {
            marks[share.ShopId!] = new OrderRefund(share.Status, share.Reason, share.RefundedAt);
        }

        await Task.WhenAll(marks.Select(m => orders.MarkRefundAsync(session.UserId, OrderIds.For(invoiceId, m.Key), m.Value, cancellationToken))).ConfigureAwait(false);
    }
}
