namespace QPay.FunctionsHost;

/// <summary>How <see cref="FunctionsHost"/> runs one compiled isolated-worker app.</summary>
public sealed class FunctionsHostOptions
{
    /// <summary>The worker's build output: worker.config.json, functions.metadata, host.json and the app dll.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>The HTTP port on 127.0.0.1; 0 picks a free one (the dev runner uses 7071).</summary>
    public int HttpPort { get; init; }

    /// <summary>
    /// App settings, passed to the worker as environment variables over the host process's own (as
    /// <c>func start</c> does with local.settings.json <c>Values</c>); a null value removes a variable.
    /// They also resolve <c>%Name%</c> expressions and binding connections.
    /// </summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Called with the host's bound base address and a copy of <see cref="Settings"/> before the worker
    /// starts, for settings that name the app's own URL (e.g. a callback base) when <see cref="HttpPort"/> is 0.
    /// </summary>
    public Action<Uri, IDictionary<string, string?>>? ConfigureSettings { get; init; }

    /// <summary>
    /// When set, Function- and Admin-level HTTP routes require it in <c>x-functions-key</c> or
    /// <c>?code=</c>, else 401, as in Azure. Null (the dev runner, like <c>func start</c>) requires no key.
    /// </summary>
    public string? FunctionKey { get; init; }

    /// <summary>Overrides host.json's <c>extensions.queues.maxPollingInterval</c> (tests poll fast).</summary>
    public TimeSpan? MaxQueuePollingInterval { get; init; }

    /// <summary>Overrides host.json's <c>extensions.queues.visibilityTimeout</c> (tests retry at once).</summary>
    public TimeSpan? QueueVisibilityTimeout { get; init; }

    /// <summary>Whether queue triggers listen to their queues (default true).</summary>
    public bool EnableQueueTriggers { get; init; } = true;

    /// <summary>Whether timer triggers fire on their schedules (default true); <see cref="FunctionsHost.RunTimerAsync"/> always works.</summary>
    public bool EnableTimerSchedules { get; init; } = true;

    /// <summary>How long the worker has to connect and load its functions.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Origins allowed by CORS (local.settings.json <c>Host.CORS</c>; <c>*</c> for any); none by default.</summary>
    public IReadOnlyList<string> CorsAllowedOrigins { get; init; } = [];

    /// <summary>Whether CORS answers allow credentials (cookies), as <c>Host.CORSCredentials</c>.</summary>
    public bool CorsAllowCredentials { get; init; }

    /// <summary>Called for every captured log line as it arrives (the dev runner prints them).</summary>
    public Action<HostLogLine>? OnLog { get; init; }
}
