using Microsoft.Extensions.Logging;

namespace QPay.Functions;

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, EventName = "SessionSeeded", Level = LogLevel.Information,
        Message = "Session {SessionId} seeded with QPay invoice {InvoiceId} for {ExpectedMnt} MNT ({Origin})")]
    public static partial void SessionSeeded(ILogger logger, string sessionId, string invoiceId, decimal expectedMnt, string origin);

    [LoggerMessage(EventId = 5002, EventName = "InvoiceCreationFailed", Level = LogLevel.Warning,
        Message = "QPay invoice creation failed for session {SessionId}: {ErrorCode} (ambiguous: {Ambiguous}); session marked failed")]
    public static partial void InvoiceCreationFailed(ILogger logger, string sessionId, string errorCode, bool ambiguous);

    [LoggerMessage(EventId = 5010, EventName = "SessionLoadedFromDatabase", Level = LogLevel.Information,
        Message = "Session loaded from database: {SessionId} (not in Redis)")]
    public static partial void SessionLoadedFromDatabase(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 5050, EventName = "SessionCacheCopyRejected", Level = LogLevel.Warning,
        Message = "Redis copy of session {SessionId} rejected, {Reason}; read from Table Storage instead")]
    public static partial void SessionCacheCopyRejected(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 5051, EventName = "SessionCacheCopyOfPreviousKey", Level = LogLevel.Information,
        Message = "Redis copy of session {SessionId} was signed before the last QPAY_WEBHOOK_SECRET rotation; read from Table Storage and signed again")]
    public static partial void SessionCacheCopyOfPreviousKey(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 5011, EventName = "WebhookRejected", Level = LogLevel.Information,
        Message = "Webhook for session {SessionId} not processed: {Reason}")]
    public static partial void WebhookRejected(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 5012, EventName = "VerificationFailed", Level = LogLevel.Warning,
        Message = "Could not verify session {SessionId} invoice {InvoiceId} with QPay ({ErrorCode}); a later callback or the reconciler retries")]
    public static partial void VerificationFailed(ILogger logger, string sessionId, string invoiceId, string errorCode);

    [LoggerMessage(EventId = 5013, EventName = "AmountMismatch", Level = LogLevel.Error,
        Message = "Session {SessionId} invoice {InvoiceId}: QPay reports {PaidMnt} MNT paid, {ExpectedMnt} MNT expected; underpaid, nothing is claimed or ordered (a payment completing the amount is still processed; at expiry or cancel the partial payments are refunded)")]
    public static partial void AmountMismatch(ILogger logger, string sessionId, string invoiceId, decimal paidMnt, decimal expectedMnt);

    [LoggerMessage(EventId = 5014, EventName = "PaymentVerified", Level = LogLevel.Information,
        Message = "Session {SessionId} invoice {InvoiceId} verified paid ({PaidMnt} MNT); {OrderCount} orders queued")]
    public static partial void PaymentVerified(ILogger logger, string sessionId, string invoiceId, decimal paidMnt, int orderCount);

    [LoggerMessage(EventId = 5015, EventName = "StuckClaimRequeued", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId} was verified but has no orders yet; order creation queued again")]
    public static partial void StuckClaimRequeued(ILogger logger, string sessionId, string invoiceId);

    [LoggerMessage(EventId = 5016, EventName = "EnqueueFailed", Level = LogLevel.Error,
        Message = "Could not queue order creation for session {SessionId} invoice {InvoiceId}; the claim stays Verified and is queued again later")]
    public static partial void EnqueueFailed(ILogger logger, Exception exception, string sessionId, string invoiceId);

    [LoggerMessage(EventId = 5017, EventName = "WebhookStep", Level = LogLevel.Information,
        Message = "Webhook step: {Step} (session {SessionId}, invoice {InvoiceId})")]
    public static partial void WebhookStep(ILogger logger, string step, string sessionId, string invoiceId);

    [LoggerMessage(EventId = 5020, EventName = "OrdersCreated", Level = LogLevel.Information,
        Message = "Session {SessionId} invoice {InvoiceId}: {OrderCount} orders created; session PROCESSED")]
    public static partial void OrdersCreated(ILogger logger, string sessionId, string invoiceId, int orderCount);

    [LoggerMessage(EventId = 5021, EventName = "OrderCreationFailed", Level = LogLevel.Warning,
        Message = "Order creation for session {SessionId} invoice {InvoiceId} failed on attempt {DequeueCount}; the queue retries")]
    public static partial void OrderCreationFailed(ILogger logger, Exception exception, string sessionId, string invoiceId, long dequeueCount);

    [LoggerMessage(EventId = 5022, EventName = "OrderCreationPoisoned", Level = LogLevel.Error,
        Message = "Order creation for session {SessionId} invoice {InvoiceId} failed {DequeueCount} times; the message goes to the poison queue")]
    public static partial void OrderCreationPoisoned(ILogger logger, Exception exception, string sessionId, string invoiceId, long dequeueCount);

    [LoggerMessage(EventId = 5030, EventName = "RateLimitFallback", Level = LogLevel.Warning,
        Message = "Status rate limit: Redis unavailable, falling back to a per-instance limiter")]
    public static partial void RateLimitFallback(ILogger logger);

    [LoggerMessage(EventId = 5031, EventName = "RateLimitBackOnRedis", Level = LogLevel.Information,
        Message = "Status rate limit: counting in Redis again, across all instances")]
    public static partial void RateLimitBackOnRedis(ILogger logger);

    [LoggerMessage(EventId = 5040, EventName = "ReconcileDispatched", Level = LogLevel.Information,
        Message = "Reconciler timer: {Issued} visits queued of {Due} due ({Stale} stale, {Failed} failed), {Waiting} already waiting, {Migrated} moved from the old index")]
    public static partial void ReconcileDispatched(ILogger logger, int issued, int due, int stale, int failed, int waiting, int migrated);

    [LoggerMessage(EventId = 5045, EventName = "ReconcileQueueFull", Level = LogLevel.Warning,
        Message = "Reconciler timer: {Waiting} visits are already waiting (target {Target}); nothing more is queued until they are taken")]
    public static partial void ReconcileQueueFull(ILogger logger, int waiting, int target);

    [LoggerMessage(EventId = 5046, EventName = "ReconcileVisitNotQueued", Level = LogLevel.Warning,
        Message = "Reconciler could not hand out a visit of session {SessionId}; it is due again soon")]
    public static partial void ReconcileVisitNotQueued(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 5047, EventName = "ReconcileMessageFailed", Level = LogLevel.Warning,
        Message = "Reconcile message for session {SessionId} failed on attempt {DequeueCount}; the queue retries it")]
    public static partial void ReconcileMessageFailed(ILogger logger, Exception exception, string sessionId, long dequeueCount);

    [LoggerMessage(EventId = 5041, EventName = "ReconcileRecovered", Level = LogLevel.Warning,
        Message = "Reconciler found session {SessionId} invoice {InvoiceId} paid without a processed callback; orders queued")]
    public static partial void ReconcileRecovered(ILogger logger, string sessionId, string invoiceId);

    [LoggerMessage(EventId = 5042, EventName = "ReconcileGaveUp", Level = LogLevel.Warning,
        Message = "Reconciler stops following session {SessionId} invoice {InvoiceId} after {Checks} answered checks (last: {LastOutcome}): {Action}")]
    public static partial void ReconcileGaveUp(ILogger logger, string sessionId, string invoiceId, int checks, string lastOutcome, string action);

    [LoggerMessage(EventId = 5044, EventName = "ReconcileEntryFailed", Level = LogLevel.Error,
        Message = "Reconciler could not handle session {SessionId}; it is tried again in a few minutes")]
    public static partial void ReconcileEntryFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 5043, EventName = "ReconcileNeedsAttention", Level = LogLevel.Error,
        Message = "Session {SessionId} invoice {InvoiceId} is paid but its orders failed after {Requeues} re-enqueues; see the poison queue")]
    public static partial void ReconcileNeedsAttention(ILogger logger, string sessionId, string invoiceId, int requeues);

    [LoggerMessage(EventId = 5018, EventName = "MarkPaidFailed", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId} is claimed but could not be marked {Status}; order creation (PAID) or the next callback (REFUND_PENDING) writes it")]
    public static partial void MarkPaidFailed(ILogger logger, Exception exception, string sessionId, string invoiceId, string status);

    [LoggerMessage(EventId = 5019, EventName = "WebhookFailed", Level = LogLevel.Error,
        Message = "Webhook failed unexpectedly; answered VERIFICATION_FAILED (a later callback or the reconciler retries)")]
    public static partial void WebhookFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5060, EventName = "CouponRedeemed", Level = LogLevel.Information,
        Message = "Session {SessionId} redeemed coupon {CouponCode}")]
    public static partial void CouponRedeemed(ILogger logger, string sessionId, string couponCode);

    [LoggerMessage(EventId = 5061, EventName = "CatalogUpdated", Level = LogLevel.Information,
        Message = "Catalogue: {Count} {What} written")]
    public static partial void CatalogUpdated(ILogger logger, int count, string what);

    [LoggerMessage(EventId = 5070, EventName = "LatePayment", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId} was paid after it was {Status}; LATE_PAYMENT_POLICY {Policy}")]
    public static partial void LatePayment(ILogger logger, string sessionId, string invoiceId, string status, string policy);

    [LoggerMessage(EventId = 5071, EventName = "OrdersRefusedForRefund", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId} is held for a refund (late payment); no orders are created")]
    public static partial void OrdersRefusedForRefund(ILogger logger, string sessionId, string invoiceId);

    [LoggerMessage(EventId = 5072, EventName = "SessionCancelled", Level = LogLevel.Information,
        Message = "Session {SessionId} cancelled; QPay invoice {InvoiceId} cancelled")]
    public static partial void SessionCancelled(ILogger logger, string sessionId, string invoiceId);

    [LoggerMessage(EventId = 5073, EventName = "CancelFailed", Level = LogLevel.Warning,
        Message = "Session {SessionId} not cancelled: QPay invoice {InvoiceId} answered {Outcome} and no payment was found; it stays PENDING")]
    public static partial void CancelFailed(ILogger logger, string sessionId, string invoiceId, string outcome);
}
