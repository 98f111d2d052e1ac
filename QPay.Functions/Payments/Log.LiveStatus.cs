using Microsoft.Extensions.Logging;

namespace QPay.Functions;

internal static partial class Log
{
    [LoggerMessage(EventId = 5160, EventName = "StatusPublishFailed", Level = LogLevel.Warning,
        Message = "Status change of session {SessionId} not published ({ErrorType}); waiting requests answer at the end of their wait")]
    public static partial void StatusPublishFailed(ILogger logger, string sessionId, string errorType);

    [LoggerMessage(EventId = 5161, EventName = "SessionInvoiceNotStored", Level = LogLevel.Warning,
        Message = "Session {SessionId}: the invoice's {Part} ({Length} characters) is over a table property's limit and is not stored; the status answer leaves it out")]
    public static partial void SessionInvoiceNotStored(ILogger logger, string sessionId, string part, int length);
}
