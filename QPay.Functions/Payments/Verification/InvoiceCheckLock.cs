using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Verification;

/// <summary>
/// A short Redis lock per invoice in front of <c>payment/check</c>, so that a burst of duplicate
/// callbacks costs QPay one check. Without Redis everyone proceeds: the claim still lets exactly
/// one of them create orders.
/// </summary>
public sealed class InvoiceCheckLock(RedisConnection redis)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(45);

    /// <summary>A held lock to dispose when done, or null when another caller holds it.</summary>
    public async Task<IAsyncDisposable?> TryAcquireAsync(string invoiceId)
    {
        var key = RedisKeys.CheckLock(invoiceId);
        var owner = Guid.NewGuid().ToString("N");
        var acquired = await redis.TryAsync("check lock", db => db.LockTakeAsync(key, owner, Lease), fallback: true).ConfigureAwait(false);
        return acquired ? new Held(redis, key, owner) : null;
    }

    private sealed class Held(RedisConnection redis, string key, string owner) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await redis.TryAsync("check unlock", db => db.LockReleaseAsync(key, owner), fallback: false).ConfigureAwait(false);
    }
}
