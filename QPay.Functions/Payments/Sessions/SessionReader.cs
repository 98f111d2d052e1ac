namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// Reads a session from Redis, else from Table Storage (and puts it back in Redis for the rest of
/// its TTL). Redis expiring or being down changes the speed, never the answer.
/// </summary>
public sealed class SessionReader(ISessionCache cache, ISessionStore store)
{
    public async Task<(PaymentSession? Session, bool FromCache)> GetAsync(string sessionId, CancellationToken cancellationToken) =>
        await GetAsync(sessionId, await cache.GetAsync(sessionId).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The same, for a caller that has already read the Redis copy (<paramref name="cached"/>, null on
    /// a miss), e.g. side by side with another round trip.
    /// </summary>
    public async Task<(PaymentSession? Session, bool FromCache)> GetAsync(string sessionId, PaymentSession? cached, CancellationToken cancellationToken)
    {
        if (cached is not null)
        {
            return (cached, true);
        }

        var stored = await store.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            await cache.StoreAsync(stored).ConfigureAwait(false);
        }

        return (stored, false);
    }
}
