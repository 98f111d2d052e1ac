using Microsoft.Extensions.Logging;

namespace QPay.Functions;

/// <summary>Fairness events: the per-user open-session cap and the instance-wide seed rate. User ids are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5110, EventName = "SessionSuperseded", Level = LogLevel.Warning,
        Message = "Session {SessionId} expired: its user's new session {NewSessionId} is over MAX_OPEN_SESSIONS_PER_USER; QPay invoice {InvoiceId} cancelled")]
    public static partial void SessionSuperseded(ILogger logger, string sessionId, string invoiceId, string newSessionId);

    [LoggerMessage(EventId = 5111, EventName = "OpenSessionNotExpired", Level = LogLevel.Warning,
        Message = "Session {SessionId}, over MAX_OPEN_SESSIONS_PER_USER after session {NewSessionId}, was not expired ({Outcome}); it stays open, the user's next seed tries again")]
    public static partial void OpenSessionNotExpired(ILogger logger, string sessionId, string newSessionId, string outcome);

    [LoggerMessage(EventId = 5112, EventName = "OpenSessionCapFailed", Level = LogLevel.Warning,
        Message = "Could not enforce MAX_OPEN_SESSIONS_PER_USER ({Cap}) after session {SessionId}; the seed stands, older sessions expire on their own")]
    public static partial void OpenSessionCapFailed(ILogger logger, Exception exception, string sessionId, int cap);

    [LoggerMessage(EventId = 5113, EventName = "SeedInstanceRateLimited", Level = LogLevel.Warning,
        Message = "Redis unavailable and this instance's SEED_SESSION_INSTANCE_RATE_PER_MINUTE ({Limit}) is used up: new sessions are refused until the window ends")]
    public static partial void SeedInstanceRateLimited(ILogger logger, int limit);
}
