using Microsoft.Extensions.Logging;

namespace QPay.Functions;

/// <summary>Refund events. Notes, references and receivers are never logged: they may be personal.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5080, EventName = "RefundRequested", Level = LogLevel.Information,
        Message = "Session {SessionId} invoice {InvoiceId}: whole refund requested ({Reason})")]
    public static partial void RefundRequested(ILogger logger, string sessionId, string invoiceId, string reason);

    [LoggerMessage(EventId = 5081, EventName = "AutomaticRefund", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId}: {AmountMnt} MNT paid goes back to the customer ({Reason})")]
    public static partial void AutomaticRefund(ILogger logger, string sessionId, string invoiceId, decimal amountMnt, string reason);

    [LoggerMessage(EventId = 5082, EventName = "PaymentRefunded", Level = LogLevel.Information,
        Message = "Session {SessionId} invoice {InvoiceId}: QPay reversed payment {PaymentId} ({AmountMnt} MNT)")]
    public static partial void PaymentRefunded(ILogger logger, string sessionId, string invoiceId, string paymentId, decimal amountMnt);

    [LoggerMessage(EventId = 5083, EventName = "ManualRefundNeeded", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId}: {AmountMnt} MNT ({Kind}, payment {PaymentId}) must be transferred back by hand; refund {RefundId} waits for its reference")]
    public static partial void ManualRefundNeeded(ILogger logger, string sessionId, string invoiceId, string kind, string paymentId, decimal amountMnt, string refundId);

    [LoggerMessage(EventId = 5084, EventName = "RefundAttemptFailed", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId}: QPay did not reverse payment {PaymentId} ({ErrorCode}, attempt {Attempts}); retried at {NextAttemptAt:o}")]
    public static partial void RefundAttemptFailed(ILogger logger, string sessionId, string invoiceId, string paymentId, string errorCode, int attempts, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 5085, EventName = "RefundCheckFailed", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId}: QPay's payments could not be read for the refund ({ErrorCode}); retried at {NextAttemptAt:o}")]
    public static partial void RefundCheckFailed(ILogger logger, string sessionId, string invoiceId, string errorCode, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 5086, EventName = "ManualRefundSettled", Level = LogLevel.Information,
        Message = "Session {SessionId}: manual refund {RefundId} of {AmountMnt} MNT settled by bank transfer")]
    public static partial void ManualRefundSettled(ILogger logger, string sessionId, string refundId, decimal amountMnt);

    [LoggerMessage(EventId = 5087, EventName = "SessionRefunded", Level = LogLevel.Information,
        Message = "Session {SessionId} invoice {InvoiceId} refunded: {AmountMnt} MNT back with the customer")]
    public static partial void SessionRefunded(ILogger logger, string sessionId, string invoiceId, decimal amountMnt);

    [LoggerMessage(EventId = 5088, EventName = "Overpayment", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId}: {PaidMnt} MNT paid for {ExpectedMnt} MNT; the orders are created and the {ExcessMnt} MNT excess is refund {RefundId}")]
    public static partial void Overpayment(ILogger logger, string sessionId, string invoiceId, decimal paidMnt, decimal expectedMnt, decimal excessMnt, string refundId);

    [LoggerMessage(EventId = 5089, EventName = "RefundMessageFailed", Level = LogLevel.Warning,
        Message = "Refund of session {SessionId} failed (attempt {DequeueCount}); the queue retries it")]
    public static partial void RefundMessageFailed(ILogger logger, Exception exception, string sessionId, long dequeueCount);

    [LoggerMessage(EventId = 5090, EventName = "RefundMessagePoisoned", Level = LogLevel.Error,
        Message = "Refund of session {SessionId} failed {DequeueCount} times; the message goes to the poison queue and the reconciler takes the session up again")]
    public static partial void RefundMessagePoisoned(ILogger logger, Exception exception, string sessionId, long dequeueCount);

    [LoggerMessage(EventId = 5091, EventName = "ShareRefundRecorded", Level = LogLevel.Information,
        Message = "Session {SessionId}: shop {ShopId}'s order ({AmountMnt} MNT) is refund {RefundId}, to transfer by hand ({Reason})")]
    public static partial void ShareRefundRecorded(ILogger logger, string sessionId, string shopId, decimal amountMnt, string refundId, string reason);

    [LoggerMessage(EventId = 5092, EventName = "RefundWithoutPlan", Level = LogLevel.Error,
        Message = "Session {SessionId} is {Status} but its refund plan says nothing of a whole refund; nothing is refunded")]
    public static partial void RefundWithoutPlan(ILogger logger, string sessionId, string status);

    [LoggerMessage(EventId = 5094, EventName = "PaymentOnRefundingSession", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId}: a payment came for a session whose money is going back ({PaidMnt} MNT counted now); it goes back too")]
    public static partial void PaymentOnRefundingSession(ILogger logger, string sessionId, string invoiceId, decimal paidMnt);

    [LoggerMessage(EventId = 5095, EventName = "RefundNeedsAttention", Level = LogLevel.Error,
        Message = "Session {SessionId} invoice {InvoiceId}: QPay has not reversed payment {PaymentId} after {Attempts} attempts ({ErrorCode}); still retried hourly, listed by GET refunds?status=retrying")]
    public static partial void RefundNeedsAttention(ILogger logger, string sessionId, string invoiceId, string paymentId, int attempts, string errorCode);

    [LoggerMessage(EventId = 5096, EventName = "RefundPaymentMissing", Level = LogLevel.Warning,
        Message = "Session {SessionId} invoice {InvoiceId}: payment {PaymentId} of the claim is not in QPay's list yet; the refund waits for it")]
    public static partial void RefundPaymentMissing(ILogger logger, string sessionId, string invoiceId, string paymentId);

    [LoggerMessage(EventId = 5093, EventName = "RefundablePaymentWithoutId", Level = LogLevel.Error,
        Message = "Session {SessionId} invoice {InvoiceId}: a counted payment of {AmountMnt} MNT has no payment id and cannot be refunded through QPay; it is a manual refund, to transfer by hand")]
    public static partial void RefundablePaymentWithoutId(ILogger logger, string sessionId, string invoiceId, decimal amountMnt);
}
