using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Claims;

/// <summary>
/// The claims: one per verified invoice, kept in its session's partition (PaymentSessions,
/// RK <c>claim~&lt;invoiceId&gt;</c>), or in the ProcessedInvoices table for sessions seeded before
/// claims moved (<see cref="PaymentSession.ClaimInSessionPartition"/> says which). Every claim is
/// found by its session and invoice.
/// </summary>
public interface IProcessedInvoiceStore
{
    /// <summary>The claim of the session's invoice, wherever it lives; null when there is none.</summary>
    Task<ProcessedInvoice?> GetAsync(string sessionId, string invoiceId, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts the claim; false when another caller inserted one first (409). A 409 on our own
    /// insert (stored, but its reply lost and the request retried) counts as ours: the stored
    /// row carries our <see cref="ProcessedInvoice.ClaimId"/>.
    /// </summary>
    Task<bool> TryClaimAsync(ProcessedInvoice claim, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> under optimistic concurrency (ETag), re-reading and
    /// asking <paramref name="change"/> again when someone else wrote first. False when the claim
    /// is missing or the change is null. State never goes back from OrdersCreated. Ten conflicts in
    /// a row throw (the caller's retry mechanism takes over).
    /// </summary>
    Task<bool> TryUpdateAsync(string sessionId, string invoiceId, Func<ProcessedInvoice, ProcessedInvoice?> change, CancellationToken cancellationToken);

    /// <summary>
    /// The session and the claim of its invoice: one partition query (a session from before claims
    /// moved: and a read of ProcessedInvoices). Null when there is no such session.
    /// </summary>
    Task<SessionWithClaim?> ReadWithSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// The same for a caller that knows the session's invoice (the webhook, from the session's Redis
    /// copy): the session row and the claim row read side by side, two point reads instead of a query.
    /// A session whose stored invoice is another one is read as <see cref="ReadWithSessionAsync(string, CancellationToken)"/> reads it.
    /// </summary>
    Task<SessionWithClaim?> ReadWithSessionAsync(string sessionId, string invoiceId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="claim"/> (inserted when <paramref name="read"/> had none, else replacing
    /// the claim as read) and <paramref name="sessionChange"/> of the session as read (as
    /// <see cref="PaymentStateMachine"/> allows it; null or a disallowed move: the session is left as
    /// it is) in one entity-group transaction: both or neither, each only if unchanged since
    /// <paramref name="read"/>. A claim never goes back from OrdersCreated. A session from before
    /// claims moved is written as it was before: the claim in ProcessedInvoices, then the session
    /// (for a claim being replaced: the session first). A claim written OrdersCreated takes its session
    /// out of the reconciler's index in the same transaction (the home row as read, if the read found one
    /// in the partition; then its due row), which <see cref="SessionClaimWrite.LeftPendingIndex"/> tells.
    /// </summary>
    Task<SessionClaimWrite> TryWriteWithSessionAsync(SessionWithClaim read, ProcessedInvoice claim, Func<PaymentSession, PaymentSession?>? sessionChange, CancellationToken cancellationToken);
}

internal sealed class ProcessedInvoiceTableStore(
    StorageClients storage,
    ISessionStore sessions,
    ISessionStatusChannel statusChannel,
    IPendingSessionIndex pending,
    TimeProvider clock,
    ILogger<ProcessedInvoiceTableStore> logger) : IProcessedInvoiceStore
{
    public async Task<ProcessedInvoice?> GetAsync(string sessionId, string invoiceId, CancellationToken cancellationToken)
    {
        var (sessionRow, claimRows, _) = await ReadPartitionAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (sessionRow is not null)
        {
            return (await WithClaimAsync(sessionRow, ClaimOf(claimRows, invoiceId), invoiceId, cancellationToken).ConfigureAwait(false)).Claim;
        }

        // No session row (gone, or never there): a claim left in its partition, else in the old table.
        if (ClaimOf(claimRows, invoiceId) is { } left)
        {
            return left.ToClaim();
        }

        return (await ReadLegacyAsync(invoiceId, cancellationToken).ConfigureAwait(false))?.ToClaim() is { } legacy && legacy.SessionId == sessionId ? legacy : null;
    }

    public async Task<bool> TryClaimAsync(ProcessedInvoice claim, CancellationToken cancellationToken)
    {
        var inPartition = await InSessionPartitionAsync(claim.SessionId, cancellationToken).ConfigureAwait(false);
        var table = await TableAsync(inPartition, cancellationToken).ConfigureAwait(false);
        return await InsertClaimAsync(table, ProcessedInvoiceEntity.From(claim, inPartition), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryUpdateAsync(string sessionId, string invoiceId, Func<ProcessedInvoice, ProcessedInvoice?> change, CancellationToken cancellationToken)
    {
        var (sessionRow, claimRows, _) = await ReadPartitionAsync(sessionId, cancellationToken).ConfigureAwait(false);
        var inPartition = ClaimOf(claimRows, invoiceId) is not null || sessionRow?.ClaimInSessionPartition == true;
        var table = await TableAsync(inPartition, cancellationToken).ConfigureAwait(false);
        var (partition, row) = inPartition ? (sessionId, ProcessedInvoiceEntity.SessionPartitionRowKey(invoiceId)) : (invoiceId, ProcessedInvoiceEntity.ClaimRowKey);
        var (_, written) = await OptimisticUpdate.ApplyAsync<ProcessedInvoiceEntity>(table, partition, row, entity =>
        {
            var current = entity.ToClaim();
            var changed = change(current);
            return changed is null || (current.State == ClaimState.OrdersCreated && changed.State != ClaimState.OrdersCreated)
                ? null
                : ProcessedInvoiceEntity.From(changed, inPartition);
        }, cancellationToken).ConfigureAwait(false);
        return written;
    }

    public async Task<SessionWithClaim?> ReadWithSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var (sessionRow, claimRows, home) = await ReadPartitionAsync(sessionId, cancellationToken).ConfigureAwait(false);
        return sessionRow is null ? null
            : (await WithClaimAsync(sessionRow, sessionRow.InvoiceId is { } invoiceId ? ClaimOf(claimRows, invoiceId) : null, invoiceId: null, cancellationToken).ConfigureAwait(false)) with { PendingHome = home };
    }

    public async Task<SessionWithClaim?> ReadWithSessionAsync(string sessionId, string invoiceId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(inSessionPartition: true, cancellationToken).ConfigureAwait(false);
        // Side by side: two point reads cost one round trip's time, where a partition query costs a scan on Azurite.
        var sessionRead = table.GetEntityIfExistsAsync<SessionEntity>(sessionId, SessionEntity.SessionRowKey, cancellationToken: cancellationToken);
        var claimRead = table.GetEntityIfExistsAsync<ProcessedInvoiceEntity>(sessionId, ProcessedInvoiceEntity.SessionPartitionRowKey(invoiceId), cancellationToken: cancellationToken);
        await Task.WhenAll(sessionRead, claimRead).ConfigureAwait(false);
        var sessionRow = await sessionRead.ConfigureAwait(false);
        if (!sessionRow.HasValue)
        {
            return null;
        }

        if (sessionRow.Value!.InvoiceId != invoiceId)
        {
            return await ReadWithSessionAsync(sessionId, cancellationToken).ConfigureAwait(false);
        }

        var claimRow = await claimRead.ConfigureAwait(false);
        return await WithClaimAsync(sessionRow.Value, claimRow.HasValue ? claimRow.Value : null, invoiceId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SessionClaimWrite> TryWriteWithSessionAsync(
        SessionWithClaim read, ProcessedInvoice claim, Func<PaymentSession, PaymentSession?>? sessionChange, CancellationToken cancellationToken)
    {
        if (read.Claim is { State: ClaimState.OrdersCreated } && claim.State != ClaimState.OrdersCreated)
        {
            throw new ArgumentException("A claim never goes back from OrdersCreated.", nameof(claim));
        }

        if (!read.InSessionPartition)
        {
            return await WriteLegacyAsync(read, claim, sessionChange, cancellationToken).ConfigureAwait(false);
        }

        var entity = ProcessedInvoiceEntity.From(claim, inSessionPartition: true);
        var actions = new List<TableTransactionAction>(3)
        {
            read.Claim is null
                ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, read.ClaimETag),
        };
        var replacement = sessionChange is null ? null : SessionRowChange.Replacement(read.Session, sessionChange, clock.GetUtcNow());
        if (replacement is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, replacement, read.SessionETag));
        }

        // The orders exist: the session leaves the reconciler's index with the same write (412: an index writer moved it; read again).
        var leaving = claim.State == ClaimState.OrdersCreated ? read.PendingHome : null;
        if (leaving is not null)
        {
            actions.Add(leaving.DeleteAction());
        }

        var table = await TableAsync(inSessionPartition: true, cancellationToken).ConfigureAwait(false);
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            // The claim exists (another caller, or our own transaction retried after a lost reply) or
            // the session changed: the caller reads both again and decides on what is stored.
            return new SessionClaimWrite(false, null);
        }

        var stored = replacement?.ToSession() ?? read.Session;
        if (stored.Status != read.Session.Status)
        {
            statusChannel.Publish(stored.SessionId, stored.Status);
        }

        if (leaving is not null)
        {
            // A crash before this leaves a due row no home row points to: the index's listing deletes it.
            await pending.RemoveDueAsync(leaving, cancellationToken).ConfigureAwait(false);
        }

        return new SessionClaimWrite(true, stored) { LeftPendingIndex = leaving is not null };
    }

    private async Task<SessionClaimWrite> WriteLegacyAsync(
        SessionWithClaim read, ProcessedInvoice claim, Func<PaymentSession, PaymentSession?>? sessionChange, CancellationToken cancellationToken)
    {
        var sessionId = read.Session.SessionId;
        var table = await TableAsync(inSessionPartition: false, cancellationToken).ConfigureAwait(false);
        var entity = ProcessedInvoiceEntity.From(claim, inSessionPartition: false);
        if (read.Claim is null)
        {
            if (!await InsertClaimAsync(table, entity, cancellationToken).ConfigureAwait(false))
            {
                return new SessionClaimWrite(false, null);
            }

            try
            {
                var marked = sessionChange is null ? read.Session : await sessions.UpdateAsync(sessionId, sessionChange, CancellationToken.None).ConfigureAwait(false);
                return new SessionClaimWrite(true, marked);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The claim is written: order creation sets the session PROCESSED from it anyway.
                Log.MarkPaidFailed(logger, exception, sessionId, claim.InvoiceId, "PAID");
                return new SessionClaimWrite(true, null);
            }
        }

        var stored = sessionChange is null ? read.Session : await sessions.UpdateAsync(sessionId, sessionChange, cancellationToken).ConfigureAwait(false);
        try
        {
            await table.UpdateEntityAsync(entity, read.ClaimETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return new SessionClaimWrite(true, stored);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return new SessionClaimWrite(false, stored);
        }
    }

    /// <summary>Inserts a claim row; a 409 on a row that carries our claim id is our own insert whose reply was lost.</summary>
    private static async Task<bool> InsertClaimAsync(TableClient table, ProcessedInvoiceEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var stored = await table.GetEntityIfExistsAsync<ProcessedInvoiceEntity>(entity.PartitionKey, entity.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            return stored.HasValue && stored.Value!.ClaimId == entity.ClaimId;
        }
    }

    /// <summary>
    /// The session row, the claim rows and the reconciler index's home row of a session's partition, in one query
    /// (the partition holds nothing else: design §5).
    /// </summary>
    private async Task<(SessionEntity? Session, List<TableEntity> Claims, PendingHome? Home)> ReadPartitionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(inSessionPartition: true, cancellationToken).ConfigureAwait(false);
        SessionEntity? sessionRow = null;
        PendingHome? home = null;
        var claimRows = new List<TableEntity>(1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sessionId}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == SessionEntity.SessionRowKey)
            {
                sessionRow = TableRows.As<SessionEntity>(row);
            }
            else if (row.RowKey.StartsWith(ProcessedInvoiceEntity.SessionPartitionPrefix, StringComparison.Ordinal))
            {
                claimRows.Add(row);
            }
            else
            {
                home ??= PendingHome.Of(row);
            }
        }

        return (sessionRow, claimRows, home);
    }

    /// <param name="here">The wanted claim's row as found in the session's partition, if any.</param>
    /// <param name="invoiceId">The invoice whose claim is wanted; null: the session's own.</param>
    private async Task<SessionWithClaim> WithClaimAsync(SessionEntity sessionRow, ProcessedInvoiceEntity? here, string? invoiceId, CancellationToken cancellationToken)
    {
        var session = sessionRow.ToSession();
        var wanted = invoiceId ?? session.InvoiceId;
        // A claim row in the partition counts even on a row without the marker (one rewritten by an
        // older release, which does not know it): the claim is where it is found.
        var claim = here ?? (wanted is null || session.ClaimInSessionPartition ? null : await ReadLegacyAsync(wanted, cancellationToken).ConfigureAwait(false));
        return new SessionWithClaim(session, claim?.ToClaim())
        {
            SessionETag = sessionRow.ETag,
            ClaimETag = claim?.ETag ?? default,
            InSessionPartition = here is not null || (claim is null && session.ClaimInSessionPartition),
        };
    }

    private static ProcessedInvoiceEntity? ClaimOf(List<TableEntity> claimRows, string invoiceId)
    {
        var key = ProcessedInvoiceEntity.SessionPartitionRowKey(invoiceId);
        return claimRows.Where(r => r.RowKey == key).Select(TableRows.As<ProcessedInvoiceEntity>).FirstOrDefault();
    }

    private async Task<bool> InSessionPartitionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(inSessionPartition: true, cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(
            sessionId, SessionEntity.SessionRowKey, select: [nameof(SessionEntity.ClaimInSessionPartition)], cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value!.GetBoolean(nameof(SessionEntity.ClaimInSessionPartition)) == true;
    }

    private async Task<ProcessedInvoiceEntity?> ReadLegacyAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(inSessionPartition: false, cancellationToken).ConfigureAwait(false);
        var response = await table.GetEntityIfExistsAsync<ProcessedInvoiceEntity>(invoiceId, ProcessedInvoiceEntity.ClaimRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    private Task<TableClient> TableAsync(bool inSessionPartition, CancellationToken cancellationToken) =>
        storage.GetTableAsync(inSessionPartition ? StorageNames.PaymentSessionsTable : StorageNames.ProcessedInvoicesTable, cancellationToken);
}
