using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Refunds;

/// <summary>
/// One amount that goes back to the customer: a row of the Refunds ledger (PK sessionId, RK
/// <see cref="Key"/>). The key is derived from what is refunded (the payment, the shop, the
/// excess), so a second attempt to refund the same thing finds this row instead of adding one.
/// </summary>
public sealed record RefundRecord
{
    public required string SessionId { get; init; }

    /// <summary>The row key (<see cref="RefundKeys"/>).</summary>
    public required string Key { get; init; }
    public required string InvoiceId { get; init; }
    public required RefundKind Kind { get; init; }

    /// <summary>The QPay payment refunded; for a share or an excess, the payment the money came from (where the customer's account is).</summary>
    public string? PaymentId { get; init; }

    /// <summary>The seller whose order a share refund pays back.</summary>
    public string? ShopId { get; init; }

    /// <summary>Whole MNT.</summary>
    public required decimal AmountMnt { get; init; }
    public required RefundMethod Method { get; init; }
    public required RefundStatus Status { get; init; }

    /// <summary>A code (<see cref="RefundReasons"/>); never free text.</summary>
    public required string Reason { get; init; }

    /// <summary>The operator's note; sent to QPay with the refund, never logged.</summary>
    public string? Note { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RefundedAt { get; init; }

    /// <summary>The bank transfer's reference that settled a manual refund.</summary>
    public string? Reference { get; init; }

    /// <summary>Calls to QPay's refund so far (API refunds).</summary>
    public int Attempts { get; init; }

    /// <summary>QPay's error code of the last failed attempt.</summary>
    public string? LastError { get; init; }

    /// <summary>Not before this is QPay asked again, after a failed attempt.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Until then one caller is asking QPay; nobody else does (each payment is refunded at most once).</summary>
    public DateTimeOffset? LeaseUntil { get; init; }

    public string RefundId => RefundKeys.RefundId(SessionId, Key);

    /// <summary>A QPay reversal that is still to be made (or retried).</summary>
    public bool IsPendingApi => Method == RefundMethod.Api && Status == RefundStatus.Pending;

    public SessionRefundLine ToLine() => new(RefundId, Kind, PaymentId, Method, Status, AmountMnt) { ShopId = ShopId };
}

/// <summary>
/// What has been asked of a session's refunds: the ledger's one row per session (RK
/// <see cref="RefundKeys.Plan"/>) that every request goes through under its ETag, so that a whole
/// refund and a seller's share, or a whole refund and a transferred excess, can never both happen
/// (QPay would give back the share or the excess a second time). It is written before the session
/// is REFUND_PENDING, so whoever finds a session in that state knows why.
/// </summary>
public sealed record RefundPlan
{
    public required string SessionId { get; init; }

    /// <summary>Set when the whole session is to be refunded; the first request's reason stays.</summary>
    public string? WholeReason { get; init; }
    public string? WholeNote { get; init; }

    /// <summary><c>operator</c> (the refund route) or <c>automatic</c>.</summary>
    public string? WholeSource { get; init; }
    public DateTimeOffset? WholeRequestedAt { get; init; }

    /// <summary>Shops whose order is refunded on its own.</summary>
    public IReadOnlyList<string> Shops { get; init; } = [];

    /// <summary>When an overpayment's excess was transferred back by hand.</summary>
    public DateTimeOffset? ExcessSettledAt { get; init; }

    public bool IsWhole => WholeReason is not null;
}
