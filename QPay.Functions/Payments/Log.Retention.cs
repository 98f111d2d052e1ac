using Microsoft.Extensions.Logging;

namespace QPay.Functions;

/// <summary>Retention (the hourly clean-up): one summary line per run, counts only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5150, EventName = "RetentionRan", Level = LogLevel.Information,
        Message = "Retention: removed {AuditEvents} audit event(s), {PendingIndexRows} finished pending-index row(s) ({HandedBack} stranded reconciler entry(ies) handed back), {IdempotencyKeys} expired idempotency key(s), {Sessions} session(s) with {SessionRows} claim/order/refund/receipt/event row(s); {Used} of {Budget} deletions used (all used: the next run goes on)")]
    public static partial void RetentionRan(ILogger logger, int auditEvents, int pendingIndexRows, int handedBack, int idempotencyKeys, int sessions, int sessionRows, int used, int budget);

    [LoggerMessage(EventId = 5151, EventName = "RetentionStepFailed", Level = LogLevel.Warning,
        Message = "Retention: removing {Kind} rows failed; the other kinds went on and the next run tries again")]
    public static partial void RetentionStepFailed(ILogger logger, Exception exception, string kind);
}
