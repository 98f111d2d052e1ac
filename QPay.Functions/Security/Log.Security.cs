using Microsoft.Extensions.Logging;

namespace QPay.Functions;

internal static partial class Log
{
    [LoggerMessage(EventId = 4001, EventName = "JwtRejected", Level = LogLevel.Information,
        Message = "JWT rejected: {Reason}")]
    public static partial void JwtRejected(ILogger logger, string reason);
}
