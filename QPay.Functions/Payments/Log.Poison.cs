using Microsoft.Extensions.Logging;

namespace QPay.Functions;

/// <summary>Poison queues: queue messages that used up their attempts, and the keeper that stops them expiring. Ids and counts only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5170, EventName = "ReconcileMessagePoisoned", Level = LogLevel.Error,
        Message = "Reconcile message for session {SessionId} failed {DequeueCount} times; the message goes to the poison queue and the index hands the session out again after its lease")]
    public static partial void ReconcileMessagePoisoned(ILogger logger, Exception exception, string sessionId, long dequeueCount);

    [LoggerMessage(EventId = 5171, EventName = "ReceiptMessagePoisoned", Level = LogLevel.Error,
        Message = "E-receipt message for session {SessionId} payment {PaymentId} failed {DequeueCount} times; the message goes to the poison queue")]
    public static partial void ReceiptMessagePoisoned(ILogger logger, Exception exception, string sessionId, string paymentId, long dequeueCount);

    [LoggerMessage(EventId = 5172, EventName = "PoisonMessagesKept", Level = LogLevel.Information,
        Message = "Poison keeper: {Kept} message(s) of {PoisonQueue} that would have expired now never expire ({Looked} looked at)")]
    public static partial void PoisonMessagesKept(ILogger logger, int kept, string poisonQueue, int looked);

    [LoggerMessage(EventId = 5173, EventName = "PoisonKeepingFailed", Level = LogLevel.Warning,
        Message = "Poison keeper: keeping the messages of {PoisonQueue} failed after {Kept} re-sent; a message not re-sent stays as it was and the next run tries again")]
    public static partial void PoisonKeepingFailed(ILogger logger, Exception exception, string poisonQueue, int kept);
}
