using Microsoft.Extensions.Logging;

namespace QPay.Functions;

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, EventName = "SessionSeeded", Level = LogLevel.Information,
        Message = "Session {SessionId} seeded with QPay invoice {InvoiceId} for {ExpectedMnt} MNT ({Origin})")]
    public static partial void SessionSeeded(ILogger logger, string sessionId, string invoiceId, decimal expectedMnt, string origin);

    [LoggerMessage(EventId = 5002, EventName = "InvoiceCreationFailed", Level = LogLevel.Warning,
        Message = "QPay invoice creation failed for session {SessionId}: {ErrorCode} (ambiguous: {Ambiguous}); session marked failed")]
    public static partial void InvoiceCreationFailed(ILogger logger, string sessionId, string errorCode, bool ambiguous);
}
