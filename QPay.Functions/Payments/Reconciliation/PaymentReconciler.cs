using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Webhooks;

namespace QPay.Functions.Payments.Reconciliation;

public sealed record ReconcileSummary(int Checked, int Recovered, int Requeued, int Expired, int Removed);

/// <summary>
/// Finishes what callbacks did not (design §4). For each due entry of the pending index:
/// <list type="bullet">
/// <item>a PENDING session is checked with QPay through the webhook's own verification path, a
/// bounded number of times on a widening schedule (<see cref="PaymentOptions.ReconcileSchedule"/>)
/// — QPay forbids polling, so a few checks per session, never one a minute;</item>
/// <item>a PAID session whose claim is stuck at Verified gets its order message queued again;</item>
/// <item>a PROCESSED or FAILED session leaves the index.</item>
/// </list>
/// </summary>
public sealed class PaymentReconciler(
    IPendingSessionIndex index,
    ISessionStore sessions,
    IProcessedInvoiceStore claims,
    InvoiceCheckLock checkLock,
    WebhookProcessor webhook,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<PaymentReconciler> logger)
{
    public const int MaxEntriesPerRun = 200;
    public const int MaxRequeues = 5;

    public async Task<ReconcileSummary> RunAsync(CancellationToken cancellationToken)
    {
        int checkedCount = 0, recovered = 0, requeued = 0, expired = 0, removed = 0;
        var now = clock.GetUtcNow();
        foreach (var entry in await index.ListDueAsync(now, MaxEntriesPerRun, cancellationToken).ConfigureAwait(false))
        {
            var session = await sessions.GetAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
            switch (session)
            {
                case null or { Status: SessionStatus.Processed or SessionStatus.Failed } or { InvoiceId: null }:
                    await index.RemoveAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
                    removed++;
                    break;
                case { Status: SessionStatus.Paid }:
                    requeued += await RequeueStuckAsync(entry, session, now, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                    break;
                default:
                    var schedule = options.Value.ReconcileSchedule;
                    if (entry.Checks >= schedule.Count)
                    {
                        Log.ReconcileGaveUp(logger, session.SessionId, session.InvoiceId, entry.Checks);
                        await index.RemoveAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
                        expired++;
                        break;
                    }

                    checkedCount++;
                    recovered += await CheckAsync(entry, session, schedule, now, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                    break;
            }
        }

        var summary = new ReconcileSummary(checkedCount, recovered, requeued, expired, removed);
        Log.ReconcileSummary(logger, summary.Checked, summary.Recovered, summary.Requeued, summary.Expired, summary.Removed);
        return summary;
    }

    private async Task<bool> CheckAsync(PendingSessionEntry entry, PaymentSession session, IReadOnlyList<TimeSpan> schedule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var checks = entry.Checks + 1;
        var next = checks < schedule.Count ? entry.CreatedAt + schedule[checks] : now;
        await index.UpdateAsync(entry with { Checks = checks, NextCheckAt = next > now ? next : now }, cancellationToken).ConfigureAwait(false);

        await using var held = await checkLock.TryAcquireAsync(session.InvoiceId!).ConfigureAwait(false);
        if (held is null || await claims.GetAsync(session.InvoiceId!, cancellationToken).ConfigureAwait(false) is not null)
        {
            return false; // a callback is on it right now, or has already claimed it
        }

        var outcome = await webhook.VerifyAndClaimAsync(session, session.InvoiceId!, cancellationToken).ConfigureAwait(false);
        if (outcome.Processed)
        {
            Log.ReconcileRecovered(logger, session.SessionId, session.InvoiceId!);
        }

        return outcome.Processed;
    }

    private async Task<bool> RequeueStuckAsync(PendingSessionEntry entry, PaymentSession session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claim = await claims.GetAsync(session.InvoiceId!, cancellationToken).ConfigureAwait(false);
        if (claim is null || claim.State != ClaimState.Verified)
        {
            return false;
        }

        if (entry.Requeues >= MaxRequeues)
        {
            // Every attempt ended in the poison queue: a human has to look (see docs/reliability.md).
            Log.ReconcileNeedsAttention(logger, session.SessionId, claim.InvoiceId, entry.Requeues);
            await index.UpdateAsync(entry with { NextCheckAt = now + TimeSpan.FromHours(6) }, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (!await webhook.RequeueIfStuckAsync(claim, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await index.UpdateAsync(entry with { Requeues = entry.Requeues + 1, NextCheckAt = now + options.Value.StuckClaimAfter }, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
