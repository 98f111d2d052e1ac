namespace QPay.Functions.Payments.Refunds;

/// <summary>
/// The one owner of what may be added to a session's refund plan. A whole refund gives back every
/// payment, so it excludes a seller's share and a transferred excess (either would go back twice);
/// each answer is null when the plan already holds the request or must refuse it.
/// </summary>
public static class RefundPlanRules
{
    public static RefundPlan? WithWhole(RefundPlan? plan, string sessionId, string reason, string? note, string source, DateTimeOffset at) =>
        plan switch
        {
            { IsWhole: true } => null,
            { Shops.Count: > 0 } or { ExcessSettledAt: not null } => null,
            _ => (plan ?? new RefundPlan { SessionId = sessionId }) with { WholeReason = reason, WholeNote = note, WholeSource = source, WholeRequestedAt = at },
        };

    /// <summary>
    /// An automatic whole refund planned for an underpaid session whose expiry or cancel did not
    /// happen after all (it was paid meanwhile): withdrawn, so the paid session's own refunds stay open.
    /// </summary>
    public static RefundPlan? WithoutUnderpaidWhole(RefundPlan? plan) =>
        plan is { WholeReason: RefundReasons.Underpaid }
            ? plan with { WholeReason = null, WholeNote = null, WholeSource = null, WholeRequestedAt = null }
            : null;

    public static RefundPlan? WithShop(RefundPlan? plan, string sessionId, string shopId) =>
        plan is { IsWhole: true } || plan?.Shops.Contains(shopId, StringComparer.Ordinal) == true
            ? null
            : (plan ?? new RefundPlan { SessionId = sessionId }) with { Shops = [.. plan?.Shops ?? [], shopId] };

    public static RefundPlan? WithExcessSettled(RefundPlan? plan, string sessionId, DateTimeOffset at) =>
        plan is { IsWhole: true } || plan?.ExcessSettledAt is not null
            ? null
            : (plan ?? new RefundPlan { SessionId = sessionId }) with { ExcessSettledAt = at };
}
