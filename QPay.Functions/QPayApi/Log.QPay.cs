using Microsoft.Extensions.Logging;

namespace QPay.Functions;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, EventName = "QPayCallSucceeded", Level = LogLevel.Debug,
        Message = "QPay {Endpoint} answered {StatusCode} in {ElapsedMs:0.0} ms")]
    public static partial void QPayCallSucceeded(ILogger logger, string endpoint, int statusCode, double elapsedMs);

    [LoggerMessage(EventId = 3002, EventName = "QPayCallRejected", Level = LogLevel.Warning,
        Message = "QPay {Endpoint} answered {StatusCode} {ErrorCode} in {ElapsedMs:0.0} ms")]
    public static partial void QPayCallRejected(ILogger logger, string endpoint, int statusCode, string errorCode, double elapsedMs);

    [LoggerMessage(EventId = 3003, EventName = "QPayCallFailed", Level = LogLevel.Warning,
        Message = "QPay {Endpoint} failed without an answer ({Failure}) after {ElapsedMs:0.0} ms")]
    public static partial void QPayCallFailed(ILogger logger, string endpoint, string failure, double elapsedMs);

    [LoggerMessage(EventId = 3004, EventName = "QPayTokenObtained", Level = LogLevel.Information,
        Message = "QPay access token obtained by {Method}, valid until {ExpiresAt:o}")]
    public static partial void QPayTokenObtained(ILogger logger, string method, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 3005, EventName = "QPayTokenRejected", Level = LogLevel.Warning,
        Message = "QPay rejected the access token (401); renewing it and retrying the call once")]
    public static partial void QPayTokenRejected(ILogger logger);

    [LoggerMessage(EventId = 3006, EventName = "QPayRefreshRejected", Level = LogLevel.Information,
        Message = "QPay rejected the refresh token; logging in with client credentials")]
    public static partial void QPayRefreshRejected(ILogger logger);
}
