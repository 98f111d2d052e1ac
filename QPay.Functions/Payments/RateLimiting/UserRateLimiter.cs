using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;
using RedisRateLimiting;

namespace QPay.Functions.Payments.RateLimiting;

/// <summary>What is limited, per user: status polls, and new payment sessions (each creates a QPay invoice).</summary>
public enum UserRateLimit
{
    Status,
    Seed,
}

public sealed record RateLimitDecision(bool Allowed, TimeSpan RetryAfter);

/// <summary>Limits what one user may do per window.</summary>
public interface IUserRateLimiter
{
    /// <param name="partition">Whose budget: a user id, optionally qualified by the caller (public/internal).</param>
    Task<RateLimitDecision> AcquireAsync(UserRateLimit limit, string partition, CancellationToken cancellationToken);
}

/// <summary>
/// Fixed windows per user, counted in Redis so that they hold across every instance
/// (RedisRateLimiting): <see cref="PaymentOptions.StatusRateLimitPerMinute"/> status polls and
/// <see cref="PaymentOptions.SeedRateLimitPerMinute"/> new sessions per
/// <see cref="PaymentOptions.RateLimitWindow"/>. While Redis is down a per-instance limiter with the
/// same numbers takes over, and the fallback is logged once per outage. Per-instance counts let every
/// instance spend a user's whole budget, so while falling back new sessions also meet one budget for
/// all users of this instance (<see cref="PaymentOptions.SeedInstanceRatePerMinute"/>), which keeps the
/// invoices asked of QPay within bounds; status polls have none.
/// </summary>
internal sealed class UserRateLimiter : IUserRateLimiter, IDisposable
{

    private readonly RedisConnection _redis;
    private readonly ILogger<UserRateLimiter> _logger;
    private readonly PaymentMetrics _metrics;
    private readonly TimeSpan _window;
    private readonly Dictionary<UserRateLimit, int> _permits;
    private readonly PartitionedRateLimiter<(UserRateLimit, string)> _local;
    private readonly FixedWindowRateLimiter _instanceSeeds;
    private readonly int _instanceSeedPermits;
    private int _fallingBack;
    private int _instanceSeedsRefused;

    public UserRateLimiter(RedisConnection redis, IOptions<PaymentOptions> options, PaymentMetrics metrics, ILogger<UserRateLimiter> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _logger = logger;
        var settings = options.Value;
        _window = settings.RateLimitWindow;
        _permits = new()
        {
            [UserRateLimit.Status] = settings.StatusRateLimitPerMinute,
            [UserRateLimit.Seed] = settings.SeedRateLimitPerMinute,
        };
        _local = PartitionedRateLimiter.Create<(UserRateLimit Limit, string Partition), (UserRateLimit, string)>(key => RateLimitPartition.GetFixedWindowLimiter(
            key,
            k => new FixedWindowRateLimiterOptions
            {
                PermitLimit = _permits[k.Item1],
                Window = _window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        _instanceSeedPermits = settings.SeedInstanceRatePerMinute;
        _instanceSeeds = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = _instanceSeedPermits,
            Window = _window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>One permit; a refusal is counted (<c>qpay.rate_limited</c>) by limit.</summary>
    public async Task<RateLimitDecision> AcquireAsync(UserRateLimit limit, string partition, CancellationToken cancellationToken)
    {
        var decision = await DecideAsync(limit, partition, cancellationToken).ConfigureAwait(false);
        if (!decision.Allowed)
        {
            _metrics.RateLimited(limit.ToString().ToLowerInvariant());
        }

        return decision;
    }

    private async Task<RateLimitDecision> DecideAsync(UserRateLimit limit, string partition, CancellationToken cancellationToken)
    {
        var shared = await _redis.TryAsync<RateLimitDecision?>(
            "rate limit",
            async database =>
            {
                var options = new RedisFixedWindowRateLimiterOptions
                {
                    PermitLimit = _permits[limit],
                    Window = _window,
                    ConnectionMultiplexerFactory = () => database.Multiplexer,
                };
                using var limiter = new RedisFixedWindowRateLimiter<string>(RedisKeys.RateLimit(limit.ToString().ToLowerInvariant(), partition), options);
                using var lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
                return Decide(lease, redisWindows: true);
            },
            fallback: null).ConfigureAwait(false);
        if (shared is not null)
        {
            if (Interlocked.Exchange(ref _fallingBack, 0) == 1)
            {
                Log.RateLimitBackOnRedis(_logger);
                Volatile.Write(ref _instanceSeedsRefused, 0);
            }

            return shared;
        }

        if (Interlocked.Exchange(ref _fallingBack, 1) == 0)
        {
            Log.RateLimitFallback(_logger);
        }

        using var localLease = await _local.AcquireAsync((limit, partition), 1, cancellationToken).ConfigureAwait(false);
        if (limit != UserRateLimit.Seed || !localLease.IsAcquired)
        {
            return Decide(localLease, redisWindows: false);
        }

        // The user's own budget first, so that one user over it does not spend everyone's.
        using var instanceLease = await _instanceSeeds.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!instanceLease.IsAcquired && Interlocked.Exchange(ref _instanceSeedsRefused, 1) == 0)
        {
            Log.SeedInstanceRateLimited(_logger, _instanceSeedPermits);
        }

        return Decide(instanceLease, redisWindows: false);
    }

    public void Dispose()
    {
        _local.Dispose();
        _instanceSeeds.Dispose();
    }

    private RateLimitDecision Decide(RateLimitLease lease, bool redisWindows)
    {
        if (lease.IsAcquired)
        {
            return new RateLimitDecision(true, TimeSpan.Zero);
        }

        // RedisRateLimiting counts in whole seconds and opens the next window only once the clock has
        // passed the window's end second, hence the extra second.
        var retryAfter = redisWindows && lease.TryGetMetadata(RateLimitMetadataName.RetryAfter, out int seconds) ? TimeSpan.FromSeconds(seconds + 1)
            : lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan after) ? after
            : _window;
        return new RateLimitDecision(false, retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter);
    }
}
