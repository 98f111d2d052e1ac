using Microsoft.Extensions.Logging;

namespace QPay.Functions;

/// <summary>Audit trail (PaymentEvents) writing: it never fails a payment, so its trouble is only logged and counted.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5115, EventName = "AuditEventsDropped", Level = LogLevel.Warning,
        Message = "Audit trail: {Count} event(s) not written ({Reason}); payments go on, later drops are counted in qpay.audit.dropped until a write succeeds")]
    public static partial void AuditEventsDropped(ILogger logger, Exception? exception, int count, string reason);

    [LoggerMessage(EventId = 5116, EventName = "AuditWritingAgain", Level = LogLevel.Information,
        Message = "Audit trail: events are written again")]
    public static partial void AuditWritingAgain(ILogger logger);
}
