using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Retention;

/// <param name="Removed">Rows removed, by kind (<see cref="RetentionKinds"/>).</param>
/// <param name="HandedBack">Reconciler entries stranded in an hour its listing had passed, moved to now.</param>
/// <param name="Failed">Kinds whose step failed this run (logged; the next run tries again).</param>
/// <param name="BudgetLeft">Deletions the run could still have made: 0 means work may be left for the next run.</param>
public sealed record RetentionSummary(IReadOnlyDictionary<string, int> Removed, int HandedBack, int Failed, int BudgetLeft)
{
    public int Of(string kind) => Removed.TryGetValue(kind, out var count) ? count : 0;
}

/// <summary>
/// One retention run (the hourly timer): finished pending-index rows, expired Idempotency-Keys, finished
/// sessions past SESSION_RETENTION_DAYS (only when it is set) and audit events past AUDIT_RETENTION_DAYS,
/// within one budget of deletions (<see cref="RetentionOptions.RunBudget"/>). Each step gets a fair share of
/// what is left (what one leaves unused passes to the next), so a backlog of one kind never stops the others;
/// what does not fit is done by the next run. A failing step is logged and the others go on. Redis needs no
/// step: every key it holds has a TTL.
/// </summary>
public sealed class RetentionService(
    PendingIndexLeftovers pendingIndex,
    IdempotencyKeyRetention idempotencyKeys,
    SessionRetention sessions,
    AuditEventRetention auditEvents,
    IOptions<RetentionOptions> options,
    PaymentMetrics metrics,
    ILogger<RetentionService> logger)
{
    public async Task<RetentionSummary> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var budget = new RetentionBudget(settings.RunBudget);
        var removed = new Dictionary<string, int>(StringComparer.Ordinal);
        var handedBack = 0;
        var failed = 0;
        (string Kind, Func<RetentionBudget, Task> Run)[] steps =
        [
            (RetentionKinds.PendingIndex, async share =>
            {
                var sweep = await pendingIndex.SweepAsync(share.Left, settings.OrphanDueRowAge, cancellationToken).ConfigureAwait(false);
                share.Take(sweep.Deleted);
                handedBack += sweep.HandedBack;
                SessionRetention.Add(removed, RetentionKinds.PendingIndex, sweep.Deleted);
            }),
            (RetentionKinds.IdempotencyKey, async share =>
                SessionRetention.Add(removed, RetentionKinds.IdempotencyKey, await idempotencyKeys.RunAsync(share, cancellationToken).ConfigureAwait(false))),
            (RetentionKinds.Session, share => sessions.RunAsync(share, removed, cancellationToken)),
            (RetentionKinds.AuditEvent, async share =>
                SessionRetention.Add(removed, RetentionKinds.AuditEvent, await auditEvents.RunAsync(share, cancellationToken).ConfigureAwait(false))),
        ];

        for (var i = 0; i < steps.Length; i++)
        {
            var share = new RetentionBudget(budget.Left / (steps.Length - i));
            var before = share.Left;
            try
            {
                await steps[i].Run(share).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed++;
                Log.RetentionStepFailed(logger, exception, steps[i].Kind);
            }

            budget.Take(before - share.Left);
        }

        foreach (var (kind, count) in removed)
        {
            metrics.RetentionRemoved(kind, count);
        }

        var summary = new RetentionSummary(removed, handedBack, failed, budget.Left);
        Log.RetentionRan(
            logger,
            summary.Of(RetentionKinds.AuditEvent),
            summary.Of(RetentionKinds.PendingIndex),
            summary.HandedBack,
            summary.Of(RetentionKinds.IdempotencyKey),
            summary.Of(RetentionKinds.Session),
            summary.Of(RetentionKinds.Claim) + summary.Of(RetentionKinds.Order) + summary.Of(RetentionKinds.Refund) + summary.Of(RetentionKinds.Receipt) + summary.Of(RetentionKinds.SessionEvent),
            settings.RunBudget - summary.BudgetLeft,
            settings.RunBudget);
        return summary;
    }
}
