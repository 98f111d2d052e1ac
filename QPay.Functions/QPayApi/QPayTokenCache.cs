using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;
using StackExchange.Redis;

namespace QPay.Functions.QPayApi;

/// <summary>Hands out QPay access tokens.</summary>
internal interface IQPayTokenProvider
{
    ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken);

    /// <summary>QPay answered 401 to <paramref name="rejectedAccessToken"/>: renew (once across callers) and answer the new token.</summary>
    ValueTask<string> RenewAfterRejectionAsync(string rejectedAccessToken, CancellationToken cancellationToken);
}

/// <summary>
/// One QPay token per merchant, shared by every instance through Redis
/// (<see cref="QPayOptions.TokenCacheKey"/>), with a copy in this process.
/// <list type="bullet">
/// <item>A token is used until <see cref="QPayOptions.TokenRenewalMargin"/> before QPay's expiry;
/// the Redis entry lives until QPay's expiry (minus a few seconds), so its refresh token is still
/// there when renewal starts.</item>
/// <item>Renewal is single-flight: one caller per process (a semaphore) and one instance per fleet
/// (a Redis lock leased for longer than a renewal can take); the others wait for the winner's token
/// in Redis, or take the lock once it is free. A token never overwrites one that expires later.</item>
/// <item>The refresh token is used while valid; a full login (Basic) otherwise, and always after
/// QPay rejected a token (a revoked session's refresh token is not trusted).</item>
/// <item>With Redis down, the process copy and the semaphore carry on alone.</item>
/// </list>
/// </summary>
internal sealed class QPayTokenCache(
    QPayAuthClient auth,
    RedisConnection redis,
    IOptions<QPayOptions> options,
    TimeProvider clock,
    PaymentMetrics metrics,
    ILogger<QPayTokenCache> logger) : IQPayTokenProvider, IDisposable
{
    private static readonly TimeSpan LockPoll = TimeSpan.FromMilliseconds(50);

    // Writes the shared token unless the cached one expires later (a slow renewal finishing last
    // must not put an older token back).
    private static readonly LuaScript WriteIfNewer = LuaScript.Prepare("""
        local current = redis.call('GET', @key)
        if current then
            local expires = tonumber(string.match(current, '"expiresAtUnix":(%d+)'))
            if expires and expires > tonumber(@expiresAtUnix) then return 0 end
        end
        redis.call('SET', @key, @value, 'PX', @ttl)
        return 1
        """);

    private readonly SemaphoreSlim _renewal = new(1, 1);
    private readonly string _key = options.Value.TokenCacheKey;
    private readonly string _lockKey = RedisKeys.TokenLock(options.Value.TokenCacheKey);
    private readonly TimeSpan _margin = options.Value.TokenRenewalMargin;

    // Longer than a whole renewal (the auth client's total budget), so the lock never lapses while
    // its holder is still logging in.
    private readonly TimeSpan _lockLease = TimeSpan.FromSeconds(options.Value.TotalTimeoutSeconds + 15);
    private QPayToken? _local;

    public ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var local = Volatile.Read(ref _local);
        return local is not null && local.IsFresh(clock.GetUtcNow(), _margin)
            ? ValueTask.FromResult(local.AccessToken)
            : new ValueTask<string>(RenewAsync(rejected: null, cancellationToken));
    }

    public ValueTask<string> RenewAfterRejectionAsync(string rejectedAccessToken, CancellationToken cancellationToken)
    {
        Log.QPayTokenRejected(logger);
        return new ValueTask<string>(RenewAsync(rejectedAccessToken, cancellationToken));
    }

    public void Dispose() => _renewal.Dispose();

    private async Task<string> RenewAsync(string? rejected, CancellationToken cancellationToken)
    {
        await _renewal.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Usable(_local, rejected) is { } local)
            {
                return local.AccessToken;
            }

            var shared = await ReadSharedAsync().ConfigureAwait(false);
            if (Usable(shared, rejected) is { } fromRedis)
            {
                return Adopt(fromRedis).AccessToken;
            }

            var lockValue = Guid.NewGuid().ToString("N");
            var locked = await TryLockAsync(lockValue).ConfigureAwait(false);
            if (!locked)
            {
                var (winners, lockedNow) = await WaitForWinnerAsync(rejected, lockValue, cancellationToken).ConfigureAwait(false);
                if (winners is not null)
                {
                    return Adopt(winners).AccessToken;
                }

                locked = lockedNow;
            }

            try
            {
                // The lock holder may have finished between our read and our lock.
                shared = await ReadSharedAsync().ConfigureAwait(false) ?? shared;
                if (Usable(shared, rejected) is { } justRenewed)
                {
                    return Adopt(justRenewed).AccessToken;
                }

                var renewed = await ObtainAsync(rejected is null ? shared ?? _local : null, cancellationToken).ConfigureAwait(false);
                await WriteSharedAsync(renewed).ConfigureAwait(false);
                return Adopt(renewed).AccessToken;
            }
            finally
            {
                if (locked)
                {
                    await redis.TryAsync("token unlock", db => db.LockReleaseAsync(_lockKey, lockValue), fallback: false).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _renewal.Release();
        }
    }

    private async Task<QPayToken> ObtainAsync(QPayToken? previous, CancellationToken cancellationToken)
    {
        if (previous is not null && previous.CanRefresh(clock.GetUtcNow()))
        {
            try
            {
                var refreshed = await auth.RefreshAsync(previous.RefreshToken!, cancellationToken).ConfigureAwait(false);
                Log.QPayTokenObtained(logger, "refresh", refreshed.ExpiresAt);
                metrics.TokenRefreshed("success");
                return refreshed;
            }
            catch (QPayApiException exception) when (exception.IsAuthenticationError)
            {
                Log.QPayRefreshRejected(logger);
                metrics.TokenRefreshed("rejected");
            }
        }

        var token = await auth.LoginAsync(cancellationToken).ConfigureAwait(false);
        Log.QPayTokenObtained(logger, "login", token.ExpiresAt);
        metrics.TokenLoggedIn();
        return token;
    }

    /// <summary>
    /// Another instance holds the renewal lock: wait for its token in Redis, or for the lock to be
    /// free (then take it). Only after a whole lease without either does this caller renew unlocked.
    /// </summary>
    private async Task<(QPayToken? Token, bool Locked)> WaitForWinnerAsync(string? rejected, string lockValue, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < _lockLease)
        {
            await Task.Delay(LockPoll, cancellationToken).ConfigureAwait(false);
            if (Usable(await ReadSharedAsync().ConfigureAwait(false), rejected) is { } token)
            {
                return (token, false);
            }

            if (await TryLockAsync(lockValue).ConfigureAwait(false))
            {
                return (null, true);
            }
        }

        return (null, false);
    }

    private Task<bool> TryLockAsync(string lockValue) =>
        redis.TryAsync("token lock", db => db.LockTakeAsync(_lockKey, lockValue, _lockLease), fallback: true);

    private QPayToken? Usable(QPayToken? token, string? rejected) =>
        token is not null && token.IsFresh(clock.GetUtcNow(), _margin, rejected) ? token : null;

    private QPayToken Adopt(QPayToken token)
    {
        Volatile.Write(ref _local, token);
        return token;
    }

    private async Task<QPayToken?> ReadSharedAsync()
    {
        var value = await redis.TryAsync("token read", db => db.StringGetAsync(_key), RedisValue.Null).ConfigureAwait(false);
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(value.ToString(), QPayTokenJsonContext.Default.QPayToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private Task<bool> WriteSharedAsync(QPayToken token)
    {
        var lifetime = (token.RefreshExpiresAt > token.ExpiresAt ? token.RefreshExpiresAt : token.ExpiresAt)
            - clock.GetUtcNow() - TimeSpan.FromSeconds(5);
        if (lifetime <= TimeSpan.Zero)
        {
            return Task.FromResult(false);
        }

        var json = JsonSerializer.Serialize(token, QPayTokenJsonContext.Default.QPayToken);
        return redis.TryAsync(
            "token write",
            async db => (long)await db.ScriptEvaluateAsync(WriteIfNewer, new
            {
                key = (RedisKey)_key,
                value = json,
                expiresAtUnix = token.ExpiresAtUnix,
                ttl = (long)lifetime.TotalMilliseconds,
            }).ConfigureAwait(false) == 1,
            fallback: false);
    }
}
