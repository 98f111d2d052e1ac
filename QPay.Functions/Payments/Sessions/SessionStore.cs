using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <summary>The durable copy of every session (Table Storage), the source of truth for its status.</summary>
public interface ISessionStore
{
    /// <summary>
    /// Inserts a new session, and with <paramref name="reconcileEntry"/> its entry in the reconciler's index in the
    /// same transaction (<see cref="IPendingSessionIndex.StartAsync"/>); a second insert of the same id fails (409).
    /// </summary>
    Task CreateAsync(PaymentSession session, PendingSessionEntry? reconcileEntry, CancellationToken cancellationToken);

    Task<PaymentSession?> GetAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> under optimistic concurrency (ETag), re-reading and
    /// re-applying when someone else wrote first. A change <see cref="PaymentStateMachine"/> does
    /// not allow is dropped, and so is a null change. Answers the stored session (changed or not), or null
    /// when there is no such session. A write that moved the status is published on the session's
    /// channel (<see cref="ISessionStatusChannel"/>) for waiting status requests.
    /// </summary>
    Task<PaymentSession?> UpdateAsync(string sessionId, Func<PaymentSession, PaymentSession?> change, CancellationToken cancellationToken);

    /// <summary>
    /// The same with a change that reads other rows before it decides. They are read after the session, so a writer
    /// that decided on later reads of them changed the session's ETag meanwhile: this write then fails and the change
    /// is asked again on the session as it is now.
    /// </summary>
    Task<PaymentSession?> UpdateAsync(string sessionId, Func<PaymentSession, CancellationToken, Task<PaymentSession?>> change, CancellationToken cancellationToken);
}

internal sealed class SessionTableStore(StorageClients storage, IPendingSessionIndex pending, ISessionStatusChannel statusChannel, TimeProvider clock) : ISessionStore
{
    public async Task CreateAsync(PaymentSession session, PendingSessionEntry? reconcileEntry, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken).ConfigureAwait(false);
        // A new session keeps the claim of its invoice in its own partition (design §5).
        var row = SessionEntity.From(session with { Version = 1, ClaimInSessionPartition = true });
        var watch = LostReplyWatch.Begin();
        try
        {
            if (reconcileEntry is null)
            {
                await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                return;
            }

            var home = await pending.StartAsync(reconcileEntry, cancellationToken).ConfigureAwait(false);
            await table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.Add, row), home], cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409 && watch.FailedInTransit)
        {
            // The session's id is new, so a 409 after a try lost in transit is this write itself, stored and retried
            // by the SDK, if the row holds what it sent (a home row was in the same transaction).
            if (!(await watch.ReadBackAsync(table, row, cancellationToken).ConfigureAwait(false)).Own)
            {
                throw;
            }
        }
    }

    public async Task<PaymentSession?> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        var entity = await ReadAsync(sessionId, cancellationToken).ConfigureAwait(false);
        return entity?.ToSession();
    }

    public Task<PaymentSession?> UpdateAsync(string sessionId, Func<PaymentSession, PaymentSession?> change, CancellationToken cancellationToken) =>
        UpdateAsync(sessionId, (s, _) => Task.FromResult(change(s)), cancellationToken);

    public async Task<PaymentSession?> UpdateAsync(string sessionId, Func<PaymentSession, CancellationToken, Task<PaymentSession?>> change, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken).ConfigureAwait(false);
        var before = default(SessionStatus?);
        var (row, written) = await OptimisticUpdate.ApplyAsync<SessionEntity>(table, sessionId, SessionEntity.SessionRowKey, async (entity, ct) =>
        {
            var current = entity.ToSession();
            before = current.Status;
            var changed = await change(current, ct).ConfigureAwait(false);
            return SessionRowChange.Replacement(current, _ => changed, clock.GetUtcNow());
        }, cancellationToken).ConfigureAwait(false);
        var stored = row?.ToSession();
        if (written && stored is not null && stored.Status != before)
        {
            statusChannel.Publish(sessionId, stored.Status);
        }

        return stored;
    }

    private async Task<SessionEntity?> ReadAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken).ConfigureAwait(false);
        var response = await table.GetEntityIfExistsAsync<SessionEntity>(sessionId, SessionEntity.SessionRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }
}

/// <summary>
/// The one rule for rewriting a session row, for the store's own writes and for the transactions
/// that write a session with its claim: the change as <see cref="PaymentStateMachine"/> allows it,
/// its version bumped; null when there is nothing to write.
/// </summary>
internal static class SessionRowChange
{
    public static SessionEntity? Replacement(PaymentSession current, Func<PaymentSession, PaymentSession?> change, DateTimeOffset now)
    {
        var changed = change(current);
        return changed is null || changed == current || !PaymentStateMachine.CanMove(current.Status, changed.Status)
            ? null
            : SessionEntity.From(changed with { Version = current.Version + 1, UpdatedAt = now, ClaimInSessionPartition = current.ClaimInSessionPartition });
    }
}
