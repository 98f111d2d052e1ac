using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Sessions;

/// <summary>Where a payment session is; <see cref="PaymentStateMachine"/> says where it may go next.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SessionStatus>))]
public enum SessionStatus
{
    /// <summary>The invoice is open: waiting for the customer to pay.</summary>
    Pending,

    /// <summary>QPay confirmed the payment and the invoice is claimed; orders are being created.</summary>
    Paid,

    /// <summary>Every order exists.</summary>
    Processed,

    /// <summary>Nobody paid before <see cref="PaymentSession.ExpiresAt"/>; the invoice was cancelled at QPay.</summary>
    Expired,

    /// <summary>The customer (or another service) cancelled it; the invoice was cancelled at QPay.</summary>
    Cancelled,

    /// <summary>QPay would not create the invoice.</summary>
    Failed,

    /// <summary>Money was taken that must go back to the customer.</summary>
    RefundPending,

    /// <summary>Every payment of the session was given back.</summary>
    Refunded,
}

/// <summary>
/// The one owner of a payment's states and of the moves between them. Every write of a session
/// (seed, webhook, reconciler, order creation, cancel, expiry) goes through the session store,
/// which drops a move this table does not allow: so a status never moves backwards, and a
/// PROCESSED payment is never cancelled or expired. A payment verified after expiry or cancel
/// (a late payment) moves on to PAID (fulfilled) or REFUND_PENDING, never into silence.
/// </summary>
public static class PaymentStateMachine
{
    private static readonly IReadOnlyDictionary<SessionStatus, SessionStatus[]> Next = new Dictionary<SessionStatus, SessionStatus[]>
    {
        // PROCESSED straight from PENDING: order creation finishes a session whose PAID write was lost.
        [SessionStatus.Pending] = [SessionStatus.Paid, SessionStatus.Processed, SessionStatus.Expired, SessionStatus.Cancelled, SessionStatus.Failed],
        [SessionStatus.Paid] = [SessionStatus.Processed, SessionStatus.RefundPending],
        [SessionStatus.Processed] = [SessionStatus.RefundPending],
        [SessionStatus.Expired] = [SessionStatus.Paid, SessionStatus.Processed, SessionStatus.RefundPending],
        [SessionStatus.Cancelled] = [SessionStatus.Paid, SessionStatus.Processed, SessionStatus.RefundPending],
        [SessionStatus.Failed] = [],
        [SessionStatus.RefundPending] = [SessionStatus.Refunded],
        // A payment made after the refund (QPay may keep a partly paid invoice open) has money to give back again.
        [SessionStatus.Refunded] = [SessionStatus.RefundPending],
    };

    /// <summary>Every allowed move (a status to itself is always allowed: a write that changes other fields).</summary>
    public static IEnumerable<(SessionStatus From, SessionStatus To)> Transitions =>
        Next.SelectMany(pair => pair.Value.Select(to => (pair.Key, to)));

    public static bool CanMove(SessionStatus from, SessionStatus to) => from == to || Next[from].Contains(to);

    /// <summary>No payment is expected any more: the customer closed it, or it ran out of time.</summary>
    public static bool IsClosedUnpaid(this SessionStatus status) => status is SessionStatus.Expired or SessionStatus.Cancelled;

    /// <summary>The invoice is paid and claimed (orders being created, created, or money going back).</summary>
    public static bool IsPaid(this SessionStatus status) =>
        status is SessionStatus.Paid or SessionStatus.Processed or SessionStatus.RefundPending or SessionStatus.Refunded;

    public static string ToApi(this SessionStatus status) => status switch
    {
        SessionStatus.Pending => "PENDING",
        SessionStatus.Paid => "PAID",
        SessionStatus.Processed => "PROCESSED",
        SessionStatus.Expired => "EXPIRED",
        SessionStatus.Cancelled => "CANCELLED",
        SessionStatus.Failed => "FAILED",
        SessionStatus.RefundPending => "REFUND_PENDING",
        _ => "REFUNDED",
    };
}
