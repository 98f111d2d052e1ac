using Microsoft.Extensions.Logging;

namespace QPay.FunctionsHost;

/// <summary>Where a captured log line came from.</summary>
public enum HostLogSource
{
    /// <summary>The host itself (start-up, routes, queue handling).</summary>
    Host,

    /// <summary>An <c>RpcLog</c> from the worker: its own and the functions' <c>ILogger</c> lines.</summary>
    Worker,

    /// <summary>The worker process's standard output.</summary>
    StandardOutput,

    /// <summary>The worker process's standard error.</summary>
    StandardError,
}

/// <summary>One captured log line.</summary>
public sealed record HostLogLine(
    DateTimeOffset Timestamp,
    HostLogSource Source,
    LogLevel Level,
    string Category,
    string Message,
    string? InvocationId = null)
{
    public override string ToString() =>
        InvocationId is null ? $"[{Source}] {Level} {Category}: {Message}" : $"[{Source}] {Level} {Category} ({InvocationId}): {Message}";
}
