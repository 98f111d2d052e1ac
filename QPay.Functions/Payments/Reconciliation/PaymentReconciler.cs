using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Verification;
using QPay.Functions.QPayApi;

namespace QPay.Functions.Payments.Reconciliation;

public sealed record ReconcileSummary(int Checked, int Recovered, int Requeued, int Expired, int Removed, int Failed, int Deferred);

/// <summary>
/// Finishes what callbacks did not (design §4). For each due entry of the pending index:
/// <list type="bullet">
/// <item>an invoice with a claim still Verified (a crash or lost message after the claim, whatever
/// the session says) gets its order message queued again;</item>
/// <item>a PENDING session without a claim is checked with QPay through the webhook's own
/// verify-and-claim path (<see cref="InvoiceClaimer"/>), a bounded number of times on a widening schedule
/// (<see cref="PaymentOptions.ReconcileSchedule"/>): QPay forbids polling. A check QPay does not
/// answer does not count; it is retried on a backoff capped at an hour, for as long as it takes;</item>
/// <item>after the last check the invoice is cancelled at QPay, so that it can no longer be paid
/// unseen; if QPay answers that it was paid meanwhile, it is verified and processed;</item>
/// <item>a PROCESSED or FAILED session leaves the index.</item>
/// </list>
/// A run stops after <see cref="PaymentOptions.ReconcileRunBudget"/>; one entry failing never stops the others.
/// </summary>
public sealed class PaymentReconciler(
    IPendingSessionIndex index,
    ISessionStore sessions,
    IProcessedInvoiceStore claims,
    InvoiceClaimer claimer,
    IQPayClient qpay,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<PaymentReconciler> logger)
{
    public const int MaxEntriesPerRun = 200;
    public const int MaxRequeues = 5;
    private static readonly TimeSpan MaxFailureBackoff = TimeSpan.FromHours(1);
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromMinutes(5);

    private enum Result
    {
        Checked,
        Recovered,
        Requeued,
        Expired,
        Removed,
        Failed,
        Waiting,
    }

    public async Task<ReconcileSummary> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<Result>();
        var budget = Stopwatch.StartNew();
        var due = await index.ListDueAsync(clock.GetUtcNow(), MaxEntriesPerRun, cancellationToken).ConfigureAwait(false);
        var deferred = 0;
        foreach (var entry in due)
        {
            if (budget.Elapsed > options.Value.ReconcileRunBudget)
            {
                deferred = due.Count - results.Count;
                break;
            }

            try
            {
                results.Add(await ReconcileAsync(entry, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.ReconcileEntryFailed(logger, exception, entry.SessionId);
                await index.UpdateAsync(entry with { NextCheckAt = clock.GetUtcNow() + RetryAfterError, LastOutcome = "ERROR" }, CancellationToken.None).ConfigureAwait(false);
                results.Add(Result.Failed);
            }
        }

        var summary = new ReconcileSummary(
            Count(Result.Checked) + Count(Result.Recovered), Count(Result.Recovered), Count(Result.Requeued),
            Count(Result.Expired), Count(Result.Removed), Count(Result.Failed), deferred);
        Log.ReconcileSummary(logger, summary.Checked, summary.Recovered, summary.Requeued, summary.Expired, summary.Removed, summary.Failed, summary.Deferred);
        return summary;

        int Count(Result result) => results.Count(r => r == result);
    }

    private async Task<Result> ReconcileAsync(PendingSessionEntry entry, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
        if (session is null or { Status: SessionStatus.Processed or SessionStatus.Failed } or { InvoiceId: null })
        {
            await index.RemoveAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
            return Result.Removed;
        }

        var invoiceId = session.InvoiceId!;
        var claim = await claims.GetAsync(invoiceId, cancellationToken).ConfigureAwait(false);
        if (claim is not null)
        {
            return await FollowClaimAsync(entry, claim, cancellationToken).ConfigureAwait(false);
        }

        var schedule = options.Value.ReconcileSchedule;
        if (entry.Checks >= schedule.Count)
        {
            return await GiveUpAsync(entry, session, cancellationToken).ConfigureAwait(false);
        }

        var outcome = await claimer.VerifyAndClaimAsync(session).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        if (outcome.IsClaimed)
        {
            // Claimed by us (recovered) or by a callback meanwhile: followed until its orders exist.
            if (outcome.Result == ClaimResult.Claimed)
            {
                Log.ReconcileRecovered(logger, session.SessionId, invoiceId);
            }

            await index.UpdateAsync(entry with { NextCheckAt = now + options.Value.StuckClaimAfter, LastOutcome = "CLAIMED" }, cancellationToken).ConfigureAwait(false);
            return outcome.Result == ClaimResult.Claimed ? Result.Recovered : Result.Checked;
        }

        if (outcome.Result == ClaimResult.InProgress)
        {
            // A callback is checking this invoice right now; look again shortly.
            await index.UpdateAsync(entry with { NextCheckAt = now + TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
            return Result.Waiting;
        }

        if (outcome.Result == ClaimResult.VerificationFailed)
        {
            var failures = entry.Failures + 1;
            var backoff = TimeSpan.FromTicks(Math.Min(MaxFailureBackoff.Ticks, options.Value.ReconcileFailureBackoff.Ticks << Math.Min(failures - 1, 10)));
            await index.UpdateAsync(entry with { Failures = failures, NextCheckAt = now + backoff, LastOutcome = "VERIFICATION_FAILED" }, cancellationToken).ConfigureAwait(false);
            return Result.Checked;
        }

        var checks = entry.Checks + 1;
        var next = checks < schedule.Count ? entry.CreatedAt + schedule[checks] : now;
        await index.UpdateAsync(
            entry with { Checks = checks, NextCheckAt = next > now ? next : now, LastOutcome = outcome.Result.ToApi() },
            cancellationToken).ConfigureAwait(false);
        return Result.Checked;
    }

    /// <summary>A claimed invoice: done once its orders exist; queued again while it is stuck at Verified.</summary>
    private async Task<Result> FollowClaimAsync(PendingSessionEntry entry, ProcessedInvoice claim, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (claim.State == ClaimState.OrdersCreated)
        {
            await index.RemoveAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
            return Result.Removed;
        }

        if (entry.Requeues >= MaxRequeues)
        {
            // Every attempt ended in the poison queue: the cause needs fixing (docs/reliability.md).
            Log.ReconcileNeedsAttention(logger, entry.SessionId, claim.InvoiceId, entry.Requeues);
            await index.UpdateAsync(entry with { NextCheckAt = now + TimeSpan.FromHours(6), LastOutcome = "POISONED" }, cancellationToken).ConfigureAwait(false);
            return Result.Waiting;
        }

        var requeued = await claimer.RequeueIfStuckAsync(claim).ConfigureAwait(false);
        await index.UpdateAsync(
            entry with { Requeues = entry.Requeues + (requeued ? 1 : 0), NextCheckAt = now + options.Value.StuckClaimAfter, LastOutcome = "CLAIMED" },
            cancellationToken).ConfigureAwait(false);
        return requeued ? Result.Requeued : Result.Waiting;
    }

    /// <summary>
    /// The last check found nothing payable: the invoice is cancelled at QPay so it cannot be paid
    /// unseen later. QPay refusing because it was paid meanwhile sends the session through
    /// verification once more; QPay not answering keeps the entry for a later run.
    /// </summary>
    private async Task<Result> GiveUpAsync(PendingSessionEntry entry, PaymentSession session, CancellationToken cancellationToken)
    {
        var invoiceId = session.InvoiceId!;
        try
        {
            await qpay.CancelInvoiceAsync(invoiceId, cancellationToken).ConfigureAwait(false);
        }
        catch (QPayApiException exception) when (exception.ErrorCode is "INVOICE_PAID")
        {
            var outcome = await claimer.VerifyAndClaimAsync(session).ConfigureAwait(false);
            if (outcome.IsClaimed || outcome.Result is ClaimResult.VerificationFailed or ClaimResult.InProgress)
            {
                // Claimed (followed until its orders exist) or not answered yet: keep following.
                if (outcome.Result == ClaimResult.Claimed)
                {
                    Log.ReconcileRecovered(logger, session.SessionId, invoiceId);
                }

                await index.UpdateAsync(entry with { NextCheckAt = clock.GetUtcNow() + options.Value.StuckClaimAfter, LastOutcome = outcome.Result.ToApi() }, cancellationToken).ConfigureAwait(false);
                return outcome.Result == ClaimResult.Claimed ? Result.Recovered : Result.Waiting;
            }

            Log.ReconcileGaveUp(logger, session.SessionId, invoiceId, entry.Checks, outcome.Result.ToApi(), "paid at QPay, not processable");
            await index.RemoveAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
            return Result.Expired;
        }
        catch (QPayApiException exception) when (exception.ErrorCode is not ("INVOICE_ALREADY_CANCELED" or "INVOICE_NOTFOUND"))
        {
            await index.UpdateAsync(
                entry with { Failures = entry.Failures + 1, NextCheckAt = clock.GetUtcNow() + TimeSpan.FromMinutes(10), LastOutcome = "CANCEL_FAILED" },
                cancellationToken).ConfigureAwait(false);
            return Result.Checked;
        }
        catch (QPayApiException)
        {
            // Already cancelled or gone: nothing is payable any more.
        }

        Log.ReconcileGaveUp(logger, session.SessionId, invoiceId, entry.Checks, entry.LastOutcome ?? "?", "invoice cancelled at QPay");
        await index.RemoveAsync(entry.SessionId, cancellationToken).ConfigureAwait(false);
        return Result.Expired;
    }
}
