using Microsoft.Extensions.Logging;

namespace QPay.Sandbox.Hosting;

/// <summary>
/// The sandbox's log lines. Never pass an Authorization header, token, query string, QR payload or body:
/// callback URLs carry the merchant's secret in their query, so only scheme, host and path are logged.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 9001, EventName = "SandboxRequest", Level = LogLevel.Information,
        Message = "{Method} {Path} -> {Status} in {ElapsedMs} ms")]
    public static partial void Request(ILogger logger, string method, string path, int status, long elapsedMs);

    [LoggerMessage(EventId = 9002, EventName = "SandboxCallbackAnswered", Level = LogLevel.Information,
        Message = "Callback GET {Target} for payment {PaymentId} -> {Status} in {ElapsedMs} ms (acknowledged: {Acknowledged})")]
    public static partial void CallbackAnswered(ILogger logger, string target, string paymentId, int status, long elapsedMs, bool acknowledged);

    [LoggerMessage(EventId = 9003, EventName = "SandboxCallbackFailed", Level = LogLevel.Warning,
        Message = "Callback GET {Target} for payment {PaymentId} failed after {ElapsedMs} ms: {Reason}")]
    public static partial void CallbackFailed(ILogger logger, string target, string paymentId, long elapsedMs, string reason);

    [LoggerMessage(EventId = 9004, EventName = "SandboxFaultApplied", Level = LogLevel.Information,
        Message = "Fault on {Endpoint}: status {Status}, delay {DelayMs} ms, drop {Drop}")]
    public static partial void FaultApplied(ILogger logger, string endpoint, int? status, int delayMs, bool drop);
}
