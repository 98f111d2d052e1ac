namespace QPay.Functions.Payments.Retention;

/// <summary>What retention removes: the <c>kind</c> tag of <c>qpay.retention.removed</c> and the run summary's counts.</summary>
public static class RetentionKinds
{
    public const string AuditEvent = "audit-event";
    public const string PendingIndex = "pending-index";
    public const string IdempotencyKey = "idempotency-key";
    public const string Session = "session";
    public const string Claim = "claim";
    public const string Order = "order";
    public const string Refund = "refund";
    public const string Receipt = "receipt";

    /// <summary>The events of a removed session (those younger than AUDIT_RETENTION_DAYS go with it).</summary>
    public const string SessionEvent = "session-event";
}
