using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Verification;

/// <summary>
/// A short Redis lock per session (a session has one invoice) in front of <c>payment/check</c>, so
/// that a burst of duplicate callbacks costs QPay one check. Kept beside the session's Redis copy:
/// the webhook reads the copy and takes the lock in one round trip, and stores the new copy and
/// releases the lock in one more. Without Redis everyone proceeds: the claim still lets exactly
/// one of them create orders.
/// </summary>
public sealed class InvoiceCheckLock(RedisConnection redis, ISessionCacheLock cache)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(45);

    /// <summary>A held lock to release (or dispose) when done, or null when another caller holds it.</summary>
    public async Task<HeldCheckLock?> TryAcquireAsync(string sessionId)
    {
        var owner = Guid.NewGuid().ToString("N");
        var key = RedisKeys.CheckLock(sessionId);
        var acquired = await redis.TryAsync("check lock", db => db.LockTakeAsync(key, owner, Lease), fallback: true).ConfigureAwait(false);
        return acquired ? new HeldCheckLock(cache, sessionId, key, owner) : null;
    }

    /// <summary>The session's Redis copy (null: a miss) and the lock (null: another caller holds it), in one round trip.</summary>
    public async Task<(PaymentSession? Cached, HeldCheckLock? Held)> ReadSessionAndAcquireAsync(string sessionId)
    {
        var owner = Guid.NewGuid().ToString("N");
        var key = RedisKeys.CheckLock(sessionId);
        var (cached, locked) = await cache.GetAndLockAsync(sessionId, key, owner, Lease).ConfigureAwait(false);
        return (cached, locked ? new HeldCheckLock(cache, sessionId, key, owner) : null);
    }
}

/// <summary>A check lock this caller holds: released once, with the session's new Redis copy if there is one.</summary>
public sealed class HeldCheckLock : IAsyncDisposable
{
    private readonly ISessionCacheLock _cache;
    private readonly string _sessionId;
    private readonly string _key;
    private readonly string _owner;
    private int _released;

    internal HeldCheckLock(ISessionCacheLock cache, string sessionId, string key, string owner)
    {
        _cache = cache;
        _sessionId = sessionId;
        _key = key;
        _owner = owner;
    }

    /// <summary>Releases the lock and caches <paramref name="session"/> (unless a newer copy is cached) in one round trip; later calls do nothing.</summary>
    public Task ReleaseAsync(PaymentSession? session) =>
        Interlocked.Exchange(ref _released, 1) == 0 ? _cache.StoreAndUnlockAsync(_sessionId, session, _key, _owner) : Task.CompletedTask;

    public async ValueTask DisposeAsync() => await ReleaseAsync(null).ConfigureAwait(false);
}
