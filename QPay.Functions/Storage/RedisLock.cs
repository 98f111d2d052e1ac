namespace QPay.Functions.Storage;

/// <summary>
/// A short Redis lock (SET NX with a lease, released only by its owner). Without Redis every
/// caller gets it: a lock here only saves work; what must happen once is decided in Table Storage.
/// </summary>
public sealed class RedisLock(RedisConnection redis)
{
    /// <summary>A held lock to dispose when done, or null when another caller holds it.</summary>
    public async Task<IAsyncDisposable?> TryAcquireAsync(string key, TimeSpan lease, string purpose)
    {
        var owner = Guid.NewGuid().ToString("N");
        var acquired = await redis.TryAsync(purpose, db => db.LockTakeAsync(key, owner, lease), fallback: true).ConfigureAwait(false);
        return acquired ? new Held(redis, key, owner, purpose) : null;
    }

    private sealed class Held(RedisConnection redis, string key, string owner, string purpose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await redis.TryAsync(purpose + " release", db => db.LockReleaseAsync(key, owner), fallback: false).ConfigureAwait(false);
    }
}
