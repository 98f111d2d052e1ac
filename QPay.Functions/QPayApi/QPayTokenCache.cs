using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;
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
/// (a short Redis lock); the others wait for the winner's token in Redis.</item>
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
    ILogger<QPayTokenCache> logger) : IQPayTokenProvider, IDisposable
{
    private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LockPoll = TimeSpan.FromMilliseconds(50);

    private readonly SemaphoreSlim _renewal = new(1, 1);
    private readonly string _key = options.Value.TokenCacheKey;
    private readonly string _lockKey = options.Value.TokenCacheKey + ":lock";
    private readonly TimeSpan _margin = options.Value.TokenRenewalMargin;
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
            var locked = await redis.TryAsync("token lock", db => db.LockTakeAsync(_lockKey, lockValue, LockLease), fallback: true).ConfigureAwait(false);
            try
            {
                if (!locked && await WaitForWinnerAsync(rejected, cancellationToken).ConfigureAwait(false) is { } winners)
                {
                    return Adopt(winners).AccessToken;
                }

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
                return refreshed;
            }
            catch (QPayApiException exception) when (exception.IsAuthenticationError)
            {
                Log.QPayRefreshRejected(logger);
            }
        }

        var token = await auth.LoginAsync(cancellationToken).ConfigureAwait(false);
        Log.QPayTokenObtained(logger, "login", token.ExpiresAt);
        return token;
    }

    private async Task<QPayToken?> WaitForWinnerAsync(string? rejected, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + LockWait;
        while (clock.GetUtcNow() < deadline)
        {
            await Task.Delay(LockPoll, cancellationToken).ConfigureAwait(false);
            if (Usable(await ReadSharedAsync().ConfigureAwait(false), rejected) is { } token)
            {
                return token;
            }
        }

        return null;
    }

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
        return redis.TryAsync("token write", db => db.StringSetAsync(_key, json, lifetime), fallback: false);
    }
}
