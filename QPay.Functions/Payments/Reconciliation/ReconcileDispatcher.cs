using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Reconciliation;

/// <param name="Due">Due entries read from the index.</param>
/// <param name="Issued">Visits put on the reconcile queue.</param>
/// <param name="Stale">Due rows whose entry had moved or left (another timer run, a webhook).</param>
/// <param name="Waiting">Visits already on the queue when the run began.</param>
/// <param name="Migrated">Entries moved from the index's former single partition.</param>
/// <param name="Failed">Visits storage refused to hand out or queue: those sessions are due again soon.</param>
public sealed record DispatchSummary(int Due, int Issued, int Stale, int Waiting, int Migrated, int Failed = 0);

/// <summary>
/// The reconciler's timer: it only finds what is due and hands each session to the reconcile queue
/// as one visit (<see cref="PaymentReconciler.VisitAsync"/> takes it on any instance). It tops the
/// queue up to <see cref="PaymentOptions.ReconcileQueueTarget"/> and no further, so what it reads is
/// bounded by what the workers can take, and a first check found now does not wait behind a backlog
/// of later checks: the index lists those first. Runs on several instances at once are safe: a
/// visit is handed out once (the index's ETags), and a visit not taken in time is handed out again.
/// </summary>
public sealed class ReconcileDispatcher(
    IPendingSessionIndex index,
    PendingIndexMigration migration,
    IReconcileQueue queue,
    IOptions<PaymentOptions> options,
    PaymentMetrics metrics,
    ILogger<ReconcileDispatcher> logger)
{
    /// <summary>Entries of the former index moved per run.</summary>
    public const int MigrationPage = 200;

    /// <summary>Visits handed out at once: each costs a few point writes and a queue send.</summary>
    private const int Parallelism = 16;

    public async Task<DispatchSummary> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var migrated = await migration.MoveAsync(MigrationPage, cancellationToken).ConfigureAwait(false);
        var waiting = await queue.DepthAsync(cancellationToken).ConfigureAwait(false);
        metrics.ReconcileBacklog(waiting);
        var room = settings.ReconcileQueueTarget - waiting;
        if (room <= 0)
        {
            Log.ReconcileQueueFull(logger, waiting, settings.ReconcileQueueTarget);
            return new DispatchSummary(0, 0, 0, waiting, migrated);
        }

        var due = await index.ListDueAsync(room, cancellationToken).ConfigureAwait(false);
        metrics.ReconcileDue(due.Count);
        var outcomes = new int[3];
        await Parallel.ForEachAsync(
            due,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (slot, token) => Interlocked.Increment(ref outcomes[(int)await IssueAsync(slot, settings.ReconcileIssueLease, token).ConfigureAwait(false)])).ConfigureAwait(false);

        var summary = new DispatchSummary(due.Count, outcomes[(int)Issue.Queued], outcomes[(int)Issue.Stale], waiting, migrated, outcomes[(int)Issue.Failed]);
        Log.ReconcileDispatched(logger, summary.Issued, summary.Due, summary.Stale, summary.Failed, summary.Waiting, summary.Migrated);
        return summary;
    }

    private enum Issue
    {
        Queued,
        Stale,
        Failed,
    }

    /// <summary>
    /// One due entry handed out. A failure loses nothing: an entry not handed out is still due; one
    /// handed out whose message was not sent is due again after its lease.
    /// </summary>
    private async Task<Issue> IssueAsync(DueSlot slot, TimeSpan lease, CancellationToken cancellationToken)
    {
        try
        {
            if (await index.IssueAsync(slot, lease, cancellationToken).ConfigureAwait(false) is not { } visit)
            {
                return Issue.Stale;
            }

            await queue.EnqueueAsync(new ReconcileMessage(slot.SessionId, visit.Ticket), cancellationToken).ConfigureAwait(false);
            return Issue.Queued;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ReconcileVisitNotQueued(logger, exception, slot.SessionId);
            return Issue.Failed;
        }
    }
}
