using Microsoft.Extensions.Logging;

namespace QPay.Functions;

/// <summary>E-receipt events. The receiver (phone, register number) is never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5100, EventName = "ReceiptIssued", Level = LogLevel.Information,
        Message = "Session {SessionId} payment {PaymentId}: e-receipt issued ({BarimtStatus})")]
    public static partial void ReceiptIssued(ILogger logger, string sessionId, string paymentId, string barimtStatus);

    [LoggerMessage(EventId = 5101, EventName = "ReceiptAttemptFailed", Level = LogLevel.Warning,
        Message = "Session {SessionId} payment {PaymentId}: e-receipt {Action} failed ({ErrorCode}, attempt {Attempts}); the queue retries it")]
    public static partial void ReceiptAttemptFailed(ILogger logger, string sessionId, string paymentId, string action, string errorCode, int attempts);

    [LoggerMessage(EventId = 5102, EventName = "ReceiptPoisoned", Level = LogLevel.Error,
        Message = "Session {SessionId} payment {PaymentId}: e-receipt {Action} failed {Attempts} times ({ErrorCode}); its message is in the poison queue, the retry route queues it again")]
    public static partial void ReceiptPoisoned(ILogger logger, string sessionId, string paymentId, string action, string errorCode, int attempts);

    [LoggerMessage(EventId = 5103, EventName = "ReceiptCancelled", Level = LogLevel.Information,
        Message = "Session {SessionId} payment {PaymentId}: e-receipt cancelled (the payment was refunded)")]
    public static partial void ReceiptCancelled(ILogger logger, string sessionId, string paymentId);

    [LoggerMessage(EventId = 5104, EventName = "ReceiptRetried", Level = LogLevel.Information,
        Message = "Session {SessionId} payment {PaymentId}: an e-receipt (or its cancel) is queued again by hand")]
    public static partial void ReceiptRetried(ILogger logger, string sessionId, string paymentId);
}
