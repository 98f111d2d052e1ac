using Microsoft.Extensions.Logging;

namespace QPay.Functions;

/// <summary>The daily ledger check (Payments/Ledger): ids and codes only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5140, EventName = "LedgerRunCompleted", Level = LogLevel.Information,
        Message = "Ledger {Date}: {Listed} payment(s) listed, {Paid} PAID: {Matched} matched, {Recovered} recovered, {Unresolved} unresolved, {Unmatched} unmatched ({Pages} page(s), truncated {Truncated})")]
    public static partial void LedgerRunCompleted(ILogger logger, string date, int listed, int paid, int matched, int recovered, int unresolved, int unmatched, int pages, bool truncated);

    [LoggerMessage(EventId = 5141, EventName = "LedgerRunFailed", Level = LogLevel.Error,
        Message = "Ledger {Date}: QPay {Endpoint} failed ({ErrorCode}); the run is stored as failed and the next timer or POST runs the day again")]
    public static partial void LedgerRunFailed(ILogger logger, string date, string endpoint, string errorCode);

    [LoggerMessage(EventId = 5142, EventName = "LedgerPaymentUnmatched", Level = LogLevel.Error,
        Message = "Ledger {Date}: PAID payment {PaymentId} of invoice {InvoiceId} matches no session ({Reason})")]
    public static partial void LedgerPaymentUnmatched(ILogger logger, string date, string paymentId, string invoiceId, string reason);

    [LoggerMessage(EventId = 5143, EventName = "LedgerPaymentNotCovered", Level = LogLevel.Error,
        Message = "Ledger {Date}: PAID payment {PaymentId} of session {SessionId} invoice {InvoiceId} is covered by neither the invoice's claim nor a refund")]
    public static partial void LedgerPaymentNotCovered(ILogger logger, string date, string paymentId, string sessionId, string invoiceId);

    [LoggerMessage(EventId = 5144, EventName = "LedgerPaymentRecovered", Level = LogLevel.Warning,
        Message = "Ledger {Date}: PAID payment {PaymentId} of session {SessionId} invoice {InvoiceId} had not been processed; verified now: {Outcome}")]
    public static partial void LedgerPaymentRecovered(ILogger logger, string date, string paymentId, string sessionId, string invoiceId, string outcome);

    [LoggerMessage(EventId = 5145, EventName = "LedgerPaymentUnresolved", Level = LogLevel.Warning,
        Message = "Ledger {Date}: PAID payment {PaymentId} of session {SessionId} invoice {InvoiceId} is not claimed; the verification answered {Outcome}")]
    public static partial void LedgerPaymentUnresolved(ILogger logger, string date, string paymentId, string sessionId, string invoiceId, string outcome);

    [LoggerMessage(EventId = 5146, EventName = "LedgerRunTruncated", Level = LogLevel.Warning,
        Message = "Ledger {Date}: stopped at the page limit after {Pages} page(s) ({Listed} payment(s)); later payments of the day were not looked at")]
    public static partial void LedgerRunTruncated(ILogger logger, string date, int pages, int listed);

    [LoggerMessage(EventId = 5147, EventName = "LedgerDayFailed", Level = LogLevel.Error,
        Message = "Ledger check of {Date} stopped: the next daily run tries the day again")]
    public static partial void LedgerDayFailed(ILogger logger, Exception exception, string date);
}
