namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// The session's Redis copy together with a short lock kept beside it, each pair in one round
/// trip: read the copy and take the lock; store a newer copy (the rule of
/// <see cref="ISessionCache.StoreAsync"/>) and release the lock if it is still ours. Without Redis
/// the copy is a miss and the lock is taken (a lock only saves work).
/// </summary>
public interface ISessionCacheLock
{
    /// <param name="lockKey">A key in the session copy's hash slot (one script touches both).</param>
    Task<(PaymentSession? Cached, bool Locked)> GetAndLockAsync(string sessionId, string lockKey, string owner, TimeSpan lease);

    /// <param name="session">The copy to store (unless a same or newer one is cached); null: only the release.</param>
    Task StoreAndUnlockAsync(string sessionId, PaymentSession? session, string lockKey, string owner);
}
