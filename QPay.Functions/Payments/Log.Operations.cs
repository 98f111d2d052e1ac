using Microsoft.Extensions.Logging;

namespace QPay.Functions;

/// <summary>The operators' tools (admin routes): the per-user session list, "check now", poison replay. Ids only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5130, EventName = "UserSessionIndexFailed", Level = LogLevel.Warning,
        Message = "Session {SessionId} not recorded in its user's session list; the seed goes on, the admin list of the user will miss it")]
    public static partial void UserSessionIndexFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 5131, EventName = "CheckNowDone", Level = LogLevel.Information,
        Message = "Check now of session {SessionId} (invoice {InvoiceId}): {Reason}, session {Status}")]
    public static partial void CheckNowDone(ILogger logger, string sessionId, string invoiceId, string reason, string status);

    [LoggerMessage(EventId = 5132, EventName = "CheckNowLimitFallback", Level = LogLevel.Warning,
        Message = "Redis unavailable: check now is limited per instance until it is back")]
    public static partial void CheckNowLimitFallback(ILogger logger);

    [LoggerMessage(EventId = 5133, EventName = "PoisonReplayed", Level = LogLevel.Information,
        Message = "Poison replay: {Count} message(s) moved from {PoisonQueue} back to {Queue}; about {Remaining} left")]
    public static partial void PoisonReplayed(ILogger logger, int count, string poisonQueue, string queue, int remaining);

    [LoggerMessage(EventId = 5134, EventName = "PoisonMessageWithoutSession", Level = LogLevel.Warning,
        Message = "Poison replay: message {MessageId} of {PoisonQueue} names no session; replayed without an audit event")]
    public static partial void PoisonMessageWithoutSession(ILogger logger, string messageId, string poisonQueue);
}
