namespace QPay.Functions.Payments.Claims;

/// <summary>The claim of a verified invoice: a state machine, not a lock.</summary>
public enum ClaimState
{
    /// <summary>QPay confirmed the payment; orders are being created (a message is on the queue).</summary>
    Verified,

    /// <summary>Every order exists.</summary>
    OrdersCreated,

    /// <summary>
    /// Paid after its session expired or was cancelled, under LATE_PAYMENT_POLICY=refund: no orders
    /// are created; the money is to go back to the customer (the session is REFUND_PENDING).
    /// </summary>
    HeldForRefund,
}

/// <summary>
/// A row of ProcessedInvoices (PK = invoiceId). Inserting it is how exactly one webhook wins an
/// invoice; it moves from <see cref="ClaimState.Verified"/> to <see cref="ClaimState.OrdersCreated"/> only,
/// or is born <see cref="ClaimState.HeldForRefund"/>.
/// </summary>
public sealed record ProcessedInvoice
{
    public required string InvoiceId { get; init; }
    public required string SessionId { get; init; }

    /// <summary>Unique per claim attempt: tells our own insert (retried by the SDK after a lost reply) from another caller's.</summary>
    public required string ClaimId { get; init; }
    public required ClaimState State { get; init; }
    public required decimal PaidMnt { get; init; }
    public required IReadOnlyList<string> PaymentIds { get; init; }
    public required IReadOnlyList<string> OrderIds { get; init; }
    public required DateTimeOffset VerifiedAt { get; init; }

    /// <summary>When a message for it was last put on the order queue.</summary>
    public DateTimeOffset? EnqueuedAt { get; init; }
    public DateTimeOffset? OrdersCreatedAt { get; init; }
}
