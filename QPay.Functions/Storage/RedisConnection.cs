using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace QPay.Functions.Storage;

/// <summary>
/// The process-wide Redis multiplexer, connected on first use (not at start-up). While Redis is
/// down, commands throw <see cref="RedisConnectionException"/> at once; every caller treats Redis
/// as a cache and carries on from Table Storage.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        if (!RedisUri.TryParse(options.Value.DatabaseUri ?? string.Empty, out var configuration, out var error))
        {
            throw new InvalidOperationException($"{RedisOptions.UriSetting} {error}");
        }

        _configuration = configuration;
        _logger = logger;
        _multiplexer = new Lazy<Task<IConnectionMultiplexer>>(ConnectAsync);
    }

    public async Task<IDatabase> GetDatabaseAsync()
    {
        var multiplexer = await _multiplexer.Value.ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated)
        {
            var multiplexer = await _multiplexer.Value.ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        // AbortOnConnectFail=false: this completes even when Redis is down, and reconnects later.
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) => Log.RedisConnectionLost(_logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
        multiplexer.ConnectionRestored += (_, e) => Log.RedisConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?");
        return multiplexer;
    }
}
