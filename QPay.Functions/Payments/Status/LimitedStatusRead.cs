using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Status;

/// <summary>
/// An immediate status read behind the user's status limit, in one Redis round trip instead of two:
/// the limit's script and the GET of the session's cached copy are sent together on the one
/// multiplexer (pipelined), not one after the other. Refused, the copy read is dropped and nothing
/// else is read (a refused caller never causes a Table read); allowed on a miss, Table Storage, as
/// <see cref="SessionReader"/> does. Not one Lua script over both keys: the window and the session
/// hash to different slots, and Azure Managed Redis refuses a script across slots once a database
/// has more than one shard.
/// </summary>
public sealed class LimitedStatusRead(IUserRateLimiter limiter, ISessionCache cache, PaymentStatusService statuses)
{
    /// <param name="partition">Whose budget (see <see cref="IUserRateLimiter.AcquireAsync"/>).</param>
    public async Task<(RateLimitDecision Decision, PaymentStatusView? Status)> GetAsync(
        string partition, string sessionId, string userId, CancellationToken cancellationToken)
    {
        var copy = cache.GetAsync(sessionId);
        var limit = limiter.AcquireAsync(UserRateLimit.Status, partition, cancellationToken);
        await Task.WhenAll(copy, limit).ConfigureAwait(false); // both observed, whatever happens
        var decision = await limit.ConfigureAwait(false);
        return decision.Allowed
            ? (decision, await statuses.GetAsync(sessionId, userId, await copy.ConfigureAwait(false), cancellationToken).ConfigureAwait(false))
            : (decision, null);
    }
}
