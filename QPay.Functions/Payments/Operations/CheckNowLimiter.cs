using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Storage;
using StackExchange.Redis;

namespace QPay.Functions.Payments.Operations;

/// <summary>
/// One "check now" per session per <see cref="PaymentOptions.CheckNowWindow"/>, across every
/// instance: the first call sets <c>qpay:check-now:&lt;sessionId&gt;</c> (NX, the window as TTL), the
/// others are told how long it still lives. While Redis is down each instance keeps the same window
/// in memory: per instance, so a few checks more at worst, never an unlimited number.
/// </summary>
public sealed class CheckNowLimiter(RedisConnection redis, IOptions<PaymentOptions> options, TimeProvider clock, ILogger<CheckNowLimiter> logger)
{
    /// <summary>Beyond this many remembered sessions, the ended windows are swept out (Redis down for long).</summary>
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _local = new();
    private int _fallingBack;

    public async Task<RateLimitDecision> AcquireAsync(string sessionId)
    {
        var window = options.Value.CheckNowWindow;
        if (window <= TimeSpan.Zero)
        {
            return new RateLimitDecision(true, TimeSpan.Zero);
        }

        var shared = await redis.TryAsync<RateLimitDecision?>(
            "check-now limit",
            async database =>
            {
                var key = RedisKeys.CheckNow(sessionId);
                if (await database.StringSetAsync(key, "1", window, When.NotExists).ConfigureAwait(false))
                {
                    return new RateLimitDecision(true, TimeSpan.Zero);
                }

                var left = await database.KeyTimeToLiveAsync(key).ConfigureAwait(false);
                return Refused(left ?? window);
            },
            fallback: null).ConfigureAwait(false);
        if (shared is not null)
        {
            Interlocked.Exchange(ref _fallingBack, 0);
            return shared;
        }

        if (Interlocked.Exchange(ref _fallingBack, 1) == 0)
        {
            Log.CheckNowLimitFallback(logger);
        }

        return AcquireLocally(sessionId, window);
    }

    private RateLimitDecision AcquireLocally(string sessionId, TimeSpan window)
    {
        var now = clock.GetUtcNow();
        if (_local.Count > SweepAbove)
        {
            foreach (var (id, until) in _local.Where(e => e.Value <= now))
            {
                _local.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, until));
            }
        }

        while (true)
        {
            if (!_local.TryGetValue(sessionId, out var until))
            {
                if (_local.TryAdd(sessionId, now + window))
                {
                    return new RateLimitDecision(true, TimeSpan.Zero);
                }

                continue;
            }

            if (until > now)
            {
                return Refused(until - now);
            }

            // The window ended: whoever replaces it first gets the check.
            if (_local.TryUpdate(sessionId, now + window, until))
            {
                return new RateLimitDecision(true, TimeSpan.Zero);
            }
        }
    }

    private static RateLimitDecision Refused(TimeSpan left) =>
        new(false, left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left);
}
