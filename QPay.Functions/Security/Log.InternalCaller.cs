using Microsoft.Extensions.Logging;

namespace QPay.Functions;

internal static partial class Log
{
    [LoggerMessage(EventId = 5175, EventName = "InternalCallerUnauthenticated", Level = LogLevel.Warning,
        Message = "Internal call refused (401): {Reason}; caller application (as claimed) {CallerAppId}")]
    public static partial void InternalCallerUnauthenticated(ILogger logger, string reason, string callerAppId);

    [LoggerMessage(EventId = 5176, EventName = "InternalCallerForbidden", Level = LogLevel.Warning,
        Message = "Internal call refused (403): caller application {CallerAppId} lacks the app role {Role}")]
    public static partial void InternalCallerForbidden(ILogger logger, string callerAppId, string role);
}
