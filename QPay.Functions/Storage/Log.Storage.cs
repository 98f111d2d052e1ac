using Microsoft.Extensions.Logging;

namespace QPay.Functions;

internal static partial class Log
{
    [LoggerMessage(EventId = 2001, EventName = "RedisConnectionLost", Level = LogLevel.Warning,
        Message = "Redis connection to {Endpoint} lost ({FailureType}); using Table Storage until it is back")]
    public static partial void RedisConnectionLost(ILogger logger, string endpoint, string failureType);

    [LoggerMessage(EventId = 2002, EventName = "RedisConnectionRestored", Level = LogLevel.Information,
        Message = "Redis connection to {Endpoint} restored")]
    public static partial void RedisConnectionRestored(ILogger logger, string endpoint);
}
