using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace QPay.Functions.Storage;

/// <summary>
/// The process-wide Redis multiplexer, connected on first use (not at start-up). Redis is a cache
/// here: <see cref="TryAsync{T}"/> runs a command and, while Redis is down, answers the caller's
/// fallback at once (commands fail fast) so that callers carry on from Table Storage. A
/// degradation is logged once when it starts and once when it ends, not per request.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer;
    private readonly TimeProvider _clock;
    private int _degraded;
    private long _lastRecoveredTicks;

    public RedisConnection(IOptions<RedisOptions> options, TimeProvider clock, ILogger<RedisConnection> logger)
    {
        _clock = clock;
        if (!RedisUri.TryParse(options.Value.DatabaseUri ?? string.Empty, out var configuration, out var error))
        {
            throw new InvalidOperationException($"{RedisOptions.UriSetting} {error}");
        }

        _configuration = configuration;
        _logger = logger;
        _multiplexer = new Lazy<Task<IConnectionMultiplexer>>(ConnectAsync);
    }

    /// <summary>True from a failed command until the next successful one.</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) == 1;

    /// <summary>
    /// When Redis last came back after failing in this process. Values cached before then may have
    /// missed updates made while Redis was down, so caches treat them as misses.
    /// </summary>
    public DateTimeOffset? LastRecoveredAt =>
        Interlocked.Read(ref _lastRecoveredTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public async Task<IDatabase> GetDatabaseAsync()
    {
        var multiplexer = await _multiplexer.Value.ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    /// <summary>
    /// The pub/sub side of the shared multiplexer, or null while Redis is not connected (a
    /// subscription would fail anyway: commands fail fast).
    /// </summary>
    public async Task<ISubscriber?> GetSubscriberAsync()
    {
        var multiplexer = await _multiplexer.Value.ConfigureAwait(false);
        return multiplexer.IsConnected ? multiplexer.GetSubscriber() : null;
    }

    /// <summary>Runs <paramref name="command"/>; on a Redis failure answers <paramref name="fallback"/>.</summary>
    public async Task<T> TryAsync<T>(string operation, Func<IDatabase, Task<T>> command, T fallback)
    {
        try
        {
            var result = await command(await GetDatabaseAsync().ConfigureAwait(false)).ConfigureAwait(false);
            if (Interlocked.Exchange(ref _degraded, 0) == 1)
            {
                Interlocked.Exchange(ref _lastRecoveredTicks, _clock.GetUtcNow().UtcTicks);
                Log.RedisRecovered(_logger, operation);
            }

            return result;
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            if (Interlocked.Exchange(ref _degraded, 1) == 0)
            {
                Log.RedisDegraded(_logger, operation, exception.GetType().Name);
            }

            return fallback;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated)
        {
            var multiplexer = await _multiplexer.Value.ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static bool IsRedisFailure(Exception exception) =>
        exception is RedisException or TimeoutException or ObjectDisposedException;

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        // AbortOnConnectFail=false: this completes even when Redis is down, and reconnects later.
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) => Log.RedisConnectionLost(_logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
        multiplexer.ConnectionRestored += (_, e) => Log.RedisConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?");
        return multiplexer;
    }
}
