using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Refunds;

/// <summary>The one reading of the ledger into what a session shows of its refunds.</summary>
public static class RefundProjection
{
    /// <summary>
    /// The session's refund summary, or null when it has none. A whole refund whose payments are
    /// not known yet shows the paid amount, pending.
    /// </summary>
    public static SessionRefund? Summarise(PaymentSession session, RefundPlan? plan, IReadOnlyList<RefundRecord> records)
    {
        var whole = plan?.IsWhole == true;
        if (!whole && records.Count == 0)
        {
            return null;
        }

        var lines = records.OrderBy(r => r.CreatedAt).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => r.ToLine()).ToList();
        var active = records.Where(r => r.Status != RefundStatus.Superseded).ToList();
        var paymentsUnknown = whole && !records.Any(r => r.Kind == RefundKind.Payment);
        var amount = paymentsUnknown ? session.PaidMnt ?? 0m : active.Sum(r => r.AmountMnt);
        var done = !paymentsUnknown && active.Count > 0 && active.All(r => r.Status == RefundStatus.Refunded);
        return new SessionRefund(done ? RefundStatus.Refunded : RefundStatus.Pending, amount, whole, lines);
    }

    /// <summary>A whole refund is finished when QPay or a transfer gave back every payment of the session.</summary>
    public static bool IsWholeRefundDone(RefundPlan? plan, IReadOnlyList<RefundRecord> records)
    {
        var payments = records.Where(r => r.Kind == RefundKind.Payment).ToList();
        return plan?.IsWhole == true && payments.Count > 0 && payments.All(r => r.Status == RefundStatus.Refunded);
    }
}
