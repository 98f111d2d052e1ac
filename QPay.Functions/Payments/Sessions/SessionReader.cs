using Microsoft.Extensions.Options;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// Reads a session from Redis, else from Table Storage (and puts it back in Redis for the rest of
/// its TTL). Redis expiring or being down changes the speed, never the answer.
/// </summary>
public sealed class SessionReader(ISessionCache cache, ISessionStore store, IOptions<PaymentOptions> options, TimeProvider clock)
{
    public async Task<(PaymentSession? Session, bool FromCache)> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (await cache.GetAsync(sessionId).ConfigureAwait(false) is { } cached)
        {
            return (cached, true);
        }

        var stored = await store.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            var remaining = stored.CreatedAt + options.Value.SessionTtl - clock.GetUtcNow();
            if (remaining > TimeSpan.FromSeconds(1))
            {
                await cache.SetAsync(stored, remaining).ConfigureAwait(false);
            }
        }

        return (stored, false);
    }
}
