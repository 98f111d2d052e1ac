using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Verification;

/// <summary>
/// A short Redis lock per invoice in front of <c>payment/check</c>, so that a burst of duplicate
/// callbacks costs QPay one check. Without Redis everyone proceeds: the claim still lets exactly
/// one of them create orders.
/// </summary>
public sealed class InvoiceCheckLock(RedisLock locks)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(45);

    /// <summary>A held lock to dispose when done, or null when another caller holds it.</summary>
    public Task<IAsyncDisposable?> TryAcquireAsync(string invoiceId) =>
        locks.TryAcquireAsync(RedisKeys.CheckLock(invoiceId), Lease, "check lock");
}
