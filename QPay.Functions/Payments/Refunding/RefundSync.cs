using Microsoft.Extensions.Logging;
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
public sealed class RefundSync(ISessionStore sessions, ISessionCache cache, IOrderStore orders, ReceiptService receipts, ILogger<RefundSync> logger)
{
    public async Task<PaymentSession> ApplyAsync(PaymentSession session, RefundPlan? plan, IReadOnlyList<RefundRecord> records, CancellationToken cancellationToken)
    {
        var whole = plan?.IsWhole == true;
        var done = RefundProjection.IsWholeRefundDone(plan, records);
        var updated = await sessions.UpdateAsync(
            session.SessionId,
            s => s with
            {
                Status = !whole ? s.Status : done || s.Status == SessionStatus.Refunded ? SessionStatus.Refunded : SessionStatus.RefundPending,
                Refund = RefundProjection.Summarise(s, plan, records),
            },
            cancellationToken).ConfigureAwait(false) ?? session;
        await cache.StoreAsync(updated).ConfigureAwait(false);
        if (session.Status != SessionStatus.Refunded && updated.Status == SessionStatus.Refunded)
        {
            Log.SessionRefunded(logger, updated.SessionId, updated.InvoiceId ?? "-", updated.Refund?.AmountMnt ?? 0m);
        }

        await MarkOrdersAsync(updated, plan, records, done, cancellationToken).ConfigureAwait(false);

        // A payment given back whole takes its e-receipt with it (a share or an excess leaves the receipt as it is).
        foreach (var payment in records.Where(r => r is { Kind: RefundKind.Payment, Status: RefundStatus.Refunded, PaymentId: not null }))
        {
            await receipts.CancelAsync(session.SessionId, payment.PaymentId!, cancellationToken).ConfigureAwait(false);
        }

        return updated;
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
