using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Seeding;

/// <summary>What became of an open session the cap asked to expire.</summary>
public enum SupersedeResult
{
    /// <summary>Its invoice is cancelled at QPay and the session is EXPIRED (an underpaid one on its way to its refund).</summary>
    Expired,

    /// <summary>It was paid (perhaps found while cancelling): it goes the PAID way and is not open any more.</summary>
    Paid,

    /// <summary>It had ended otherwise meanwhile (cancelled, expired, failed, gone).</summary>
    NotPending,

    /// <summary>QPay refused or did not answer, and no payment was found: it stays PENDING and open.</summary>
    Failed,
}

/// <summary>
/// Expires a PENDING session because its user opened too many: the cancel lifecycle (the invoice
/// cancelled at QPay first, one check for a payment, the refund of a part payment), ending EXPIRED.
/// Defined here and implemented by Payments/Cancellation, which lies above Seeding.
/// </summary>
public interface ISessionSuperseder
{
    /// <param name="supersededBy">The user's new session that pushed this one over the cap (for the log).</param>
    Task<SupersedeResult> SupersedeAsync(string sessionId, string supersededBy, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="PaymentOptions.MaxOpenSessionsPerUser"/>: a user's new session is recorded as open
/// (<see cref="IUserOpenSessions"/>, Table Storage), then the user's open sessions are listed; over
/// the cap, the rows of sessions no longer PENDING are dropped (lazy cleanup, read from
/// <see cref="ISessionStore"/>), and if more than the cap remain the oldest beyond it are expired
/// (<see cref="ISessionSuperseder"/>), never the new one. The own row is written before the list is
/// read, so two seeds at once see each other and choose from the same order (creation, then session id).
/// A failure here never fails the seed: an older session then expires on its own at its time.
/// </summary>
public sealed class OpenSessionCap(
    IUserOpenSessions open,
    ISessionStore sessions,
    ISessionSuperseder superseder,
    IOptions<PaymentOptions> options,
    ILogger<OpenSessionCap> logger)
{
    /// <summary>Records <paramref name="session"/> as open and enforces the cap; answers the ids of the sessions it expired.</summary>
    public async Task<IReadOnlyList<string>> EnforceAsync(PaymentSession session)
    {
        var cap = options.Value.MaxOpenSessionsPerUser;
        try
        {
            // Not the caller's token: the session exists with its invoice, so its record and the cap run to their end.
            await open.AddAsync(session.UserId, new OpenSessionEntry(session.SessionId, session.CreatedAt), CancellationToken.None).ConfigureAwait(false);
            var recorded = await open.ListAsync(session.UserId, CancellationToken.None).ConfigureAwait(false);
            if (recorded.Count <= cap)
            {
                return [];
            }

            var stillOpen = await DropClosedAsync(session, recorded).ConfigureAwait(false);
            var excess = stillOpen.Count - cap;
            if (excess <= 0)
            {
                return [];
            }

            var expired = new List<string>();
            foreach (var oldest in stillOpen.Where(e => e.SessionId != session.SessionId).Take(excess))
            {
                var result = await superseder.SupersedeAsync(oldest.SessionId, session.SessionId, CancellationToken.None).ConfigureAwait(false);
                if (result == SupersedeResult.Failed)
                {
                    // Still PENDING: it stays recorded, and the user's next seed tries again.
                    Log.OpenSessionNotExpired(logger, oldest.SessionId, session.SessionId, result.ToString());
                    continue;
                }

                await open.RemoveAsync(session.UserId, oldest.SessionId, CancellationToken.None).ConfigureAwait(false);
                if (result == SupersedeResult.Expired)
                {
                    expired.Add(oldest.SessionId);
                }
            }

            return expired;
        }
        catch (Exception exception)
        {
            Log.OpenSessionCapFailed(logger, exception, session.SessionId, cap);
            return [];
        }
    }

    /// <summary>The recorded sessions still PENDING, oldest first; the rows of the others are removed.</summary>
    private async Task<List<OpenSessionEntry>> DropClosedAsync(PaymentSession session, IReadOnlyList<OpenSessionEntry> recorded)
    {
        var reads = recorded.Select(async entry => entry.SessionId == session.SessionId
            ? (entry, true)
            : (entry, await sessions.GetAsync(entry.SessionId, CancellationToken.None).ConfigureAwait(false) is { Status: SessionStatus.Pending }));
        var stillOpen = new List<OpenSessionEntry>();
        foreach (var (entry, pending) in await Task.WhenAll(reads).ConfigureAwait(false))
        {
            if (pending)
            {
                stillOpen.Add(entry);
            }
            else
            {
                await open.RemoveAsync(session.UserId, entry.SessionId, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return stillOpen;
    }
}
