using Microsoft.Extensions.Logging;

namespace QPay.Functions;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, EventName = "UnhandledHttpException", Level = LogLevel.Error,
        Message = "Unhandled exception in HTTP function {FunctionName}; answered 500")]
    public static partial void UnhandledHttpException(ILogger logger, Exception exception, string functionName);
}
