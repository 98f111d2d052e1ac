using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;
using RedisRateLimiting;

namespace QPay.Functions.Payments.Status;

public sealed record RateLimitDecision(bool Allowed, TimeSpan RetryAfter);

/// <summary>Limits status polls per user.</summary>
public interface IStatusRateLimiter
{
    Task<RateLimitDecision> AcquireAsync(string partition, CancellationToken cancellationToken);
}

/// <summary>
/// A fixed window of <see cref="PaymentOptions.StatusRateLimitPerMinute"/> polls per user, counted
/// in Redis so that it holds across every instance (RedisRateLimiting). While Redis is down a
/// per-instance limiter with the same numbers takes over, and the fallback is logged once per outage.
/// </summary>
internal sealed class StatusRateLimiter : IStatusRateLimiter, IDisposable
{
    public const string KeyPrefix = "qpay:status-rate:";

    private readonly RedisConnection _redis;
    private readonly ILogger<StatusRateLimiter> _logger;
    private readonly RedisFixedWindowRateLimiterOptions _redisOptions;
    private readonly PartitionedRateLimiter<string> _local;
    private readonly TimeSpan _window;
    private int _fallingBack;

    public StatusRateLimiter(RedisConnection redis, IOptions<PaymentOptions> options, ILogger<StatusRateLimiter> logger)
    {
        _redis = redis;
        _logger = logger;
        var settings = options.Value;
        _window = settings.StatusRateLimitWindow;
        _redisOptions = new RedisFixedWindowRateLimiterOptions { PermitLimit = settings.StatusRateLimitPerMinute, Window = _window };
        _local = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetFixedWindowLimiter(
            partition,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.StatusRateLimitPerMinute,
                Window = _window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public async Task<RateLimitDecision> AcquireAsync(string partition, CancellationToken cancellationToken)
    {
        var shared = await _redis.TryAsync<RateLimitDecision?>(
            "status rate limit",
            async database =>
            {
                var options = new RedisFixedWindowRateLimiterOptions
                {
                    PermitLimit = _redisOptions.PermitLimit,
                    Window = _redisOptions.Window,
                    ConnectionMultiplexerFactory = () => database.Multiplexer,
                };
                using var limiter = new RedisFixedWindowRateLimiter<string>(KeyPrefix + partition, options);
                using var lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
                return Decide(lease);
            },
            fallback: null).ConfigureAwait(false);
        if (shared is not null)
        {
            if (Interlocked.Exchange(ref _fallingBack, 0) == 1)
            {
                Log.RateLimitBackOnRedis(_logger);
            }

            return shared;
        }

        if (Interlocked.Exchange(ref _fallingBack, 1) == 0)
        {
            Log.RateLimitFallback(_logger);
        }

        using var localLease = await _local.AcquireAsync(partition, 1, cancellationToken).ConfigureAwait(false);
        return Decide(localLease);
    }

    public void Dispose() => _local.Dispose();

    private RateLimitDecision Decide(RateLimitLease lease)
    {
        if (lease.IsAcquired)
        {
            return new RateLimitDecision(true, TimeSpan.Zero);
        }

        // RedisRateLimiting counts in whole seconds and opens the next window only once the clock has
        // passed the window's end second, hence the extra second.
        var retryAfter = lease.TryGetMetadata(RateLimitMetadataName.RetryAfter, out int seconds) ? TimeSpan.FromSeconds(seconds + 1)
            : lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan after) ? after
            : _window;
        return new RateLimitDecision(false, retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter);
    }
}
