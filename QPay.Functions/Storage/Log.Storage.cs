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

    [LoggerMessage(EventId = 2003, EventName = "RedisDegraded", Level = LogLevel.Warning,
        Message = "Redis unavailable during {Operation} ({ErrorType}); carrying on without it (Table Storage, per-instance limits) until it answers again")]
    public static partial void RedisDegraded(ILogger logger, string operation, string errorType);

    [LoggerMessage(EventId = 2004, EventName = "RedisRecovered", Level = LogLevel.Information,
        Message = "Redis answers again ({Operation}); cache back in use")]
    public static partial void RedisRecovered(ILogger logger, string operation);
}
