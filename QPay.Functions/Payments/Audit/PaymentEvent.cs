namespace QPay.Functions.Payments.Audit;

/// <summary>
/// One line of a payment's audit trail (the PaymentEvents table). Every field is a code, an id of
/// ours or QPay's payment id, or an amount: never a token, a JWT, a callback URL or an e-receipt
/// receiver, because the trail is shown to operators as it is.
/// </summary>
/// <param name="Type">What happened: one of <see cref="PaymentEventTypes"/>.</param>
/// <param name="Source">Who made it happen (public, internal, reconciler, admin, ledger, queue…), when it matters.</param>
/// <param name="Reason">The outcome code (PROCESSED, DUPLICATE, NOT_PAID, EXPIRED…).</param>
/// <param name="PaymentId">QPay's payment id (<c>qpay_payment_id</c>), when the event is about one payment.</param>
/// <param name="InvoiceId">The QPay invoice.</param>
/// <param name="AmountMnt">The amount the event moved or saw, in MNT.</param>
/// <param name="Detail">A short code-like note (order ids, a queue name, a status); at most <see cref="MaxDetailLength"/> characters are kept.</param>
public sealed record PaymentEvent(
    string Type,
    string? Source = null,
    string? Reason = null,
    string? PaymentId = null,
    string? InvoiceId = null,
    decimal? AmountMnt = null,
    string? Detail = null)
{
    public const int MaxDetailLength = 512;
}

/// <summary>A <see cref="PaymentEvent"/> as stored: with its time and its row key (unique, in time order within the session).</summary>
public sealed record RecordedPaymentEvent(string SessionId, string Id, DateTimeOffset At, PaymentEvent Event);

/// <summary>The event types of the trail (design §8 "PaymentEvents"), lower-case and stable: operators filter on them.</summary>
public static class PaymentEventTypes
{
    public const string Seeded = "seeded";
    public const string Callback = "callback";
    public const string ReconcilerCheck = "reconciler-check";
    public const string Claimed = "claimed";
    public const string OrdersCreated = "orders-created";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";
    public const string Refund = "refund";
    public const string Receipt = "receipt";
    public const string CheckNow = "check-now";
    public const string PoisonReplayed = "poison-replayed";
    public const string LedgerRecovered = "ledger-recovered";
}
