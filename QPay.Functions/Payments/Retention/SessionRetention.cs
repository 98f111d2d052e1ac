using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Retention;

/// <summary>
/// With SESSION_RETENTION_DAYS set, removes finished sessions whose last change is older than that, with
/// their claim, orders, refunds, e-receipts, events and open-session row; without it, nothing. Finished
/// means: PROCESSED, EXPIRED, CANCELLED, FAILED or REFUNDED, out of the reconciler's index, its claim not
/// waiting for orders, and no refund or receipt still moving. There is no index of finished sessions by age,
/// so the session rows are scanned (filtered by storage on row key, status and UpdatedAt), a few pages per
/// run, from a cursor kept in PaymentSessions (partition <see cref="RetentionOptions.CursorPartition"/>) so
/// that successive runs go through the whole table and then start again. The session row goes last: a run
/// stopped half-way leaves a session the next scan finds again.
/// </summary>
public sealed class SessionRetention(
    StorageClients storage,
    ISessionStore sessions,
    IPendingSessionIndex index,
    IProcessedInvoiceStore claims,
    IRefundLedger refunds,
    IReceiptStore receipts,
    IUserOpenSessions openSessions,
    IUserSessionIndex userSessions,
    ScanCursors cursors,
    IOptions<PaymentOptions> payments,
    IOptions<RetentionOptions> options,
    TimeProvider clock)
{
    private const int PageSize = 1000;

    private static readonly SessionStatus[] Finished =
        [SessionStatus.Processed, SessionStatus.Expired, SessionStatus.Cancelled, SessionStatus.Failed, SessionStatus.Refunded];

    /// <summary>Removes what it may within the budget; the rows removed, by kind, are added to <paramref name="removed"/>.</summary>
    public async Task RunAsync(RetentionBudget budget, IDictionary<string, int> removed, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.SessionRetention is not { } retention || budget.Spent)
        {
            return;
        }

        var cutoff = clock.GetUtcNow() - retention;
        var table = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken).ConfigureAwait(false);
        var token = await cursors.LoadAsync(ScanCursors.Sessions, cancellationToken).ConfigureAwait(false);

        var statuses = string.Join(" or ", Finished.Select(s => TableClient.CreateQueryFilter($"Status eq {s.ToString()}")));
        var filter = TableClient.CreateQueryFilter($"RowKey eq {SessionEntity.SessionRowKey} and UpdatedAt lt {cutoff}") + $" and ({statuses})";
        if (settings.SessionScanUserId is { } user)
        {
            filter += " and " + TableClient.CreateQueryFilter($"UserId eq {user}");
        }

        var pages = 0;
        var next = token;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, select: ["PartitionKey"], cancellationToken: cancellationToken)
            .AsPages(token).ConfigureAwait(false))
        {
            foreach (var row in page.Values)
            {
                if (budget.Spent)
                {
                    // This page is read again next run (its removed sessions are gone by then).
                    await cursors.SaveAsync(ScanCursors.Sessions, next, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await RemoveIfFinishedAsync(row.PartitionKey, cutoff, budget, removed, cancellationToken).ConfigureAwait(false);
            }

            next = page.ContinuationToken;
            if (next is null || ++pages >= settings.ScanPages)
            {
                break;
            }
        }

        // At the table's end the next run starts again from its beginning.
        await cursors.SaveAsync(ScanCursors.Sessions, next, cancellationToken).ConfigureAwait(false);
    }

    private async Task RemoveIfFinishedAsync(string sessionId, DateTimeOffset cutoff, RetentionBudget budget, IDictionary<string, int> removed, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (session is null || !Finished.Contains(session.Status) || session.UpdatedAt >= cutoff || session.CreatedAt >= cutoff
            || await index.GetAsync(sessionId, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        var claim = session.InvoiceId is { } invoiceId ? await claims.GetAsync(sessionId, invoiceId, cancellationToken).ConfigureAwait(false) : null;
        if (claim is { State: ClaimState.Verified })
        {
            return;
        }

        if ((await refunds.ListAsync(sessionId, cancellationToken).ConfigureAwait(false)).Any(r => r.Status == RefundStatus.Pending))
        {
            return;
        }

        // A whole refund is planned before the session moves to REFUND_PENDING: a plan on a session not yet
        // REFUNDED is a refund starting now.
        if (session.Status != SessionStatus.Refunded && (await refunds.GetPlanAsync(sessionId, cancellationToken).ConfigureAwait(false))?.WholeReason is not null)
        {
            return;
        }

        if ((await receipts.ListAsync(sessionId, cancellationToken).ConfigureAwait(false)).Any(StillMoving))
        {
            return;
        }

        var settings = payments.Value;
        if (!await EmptyAsync(settings.PaymentEventsTable, sessionId, RetentionKinds.SessionEvent, budget, removed, cancellationToken).ConfigureAwait(false)
            || !await EmptyAsync(StorageNames.RefundsTable, sessionId, RetentionKinds.Refund, budget, removed, cancellationToken).ConfigureAwait(false)
            || !await EmptyAsync(StorageNames.EbarimtReceiptsTable, sessionId, RetentionKinds.Receipt, budget, removed, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var orderIds = session.OrderIds.Concat(claim?.OrderIds ?? []).Distinct(StringComparer.Ordinal).ToList();
        // The claim row in its session's partition (or, for a session from before claims moved, in ProcessedInvoices), before the session row.
        var claimRow = claim is null ? default : ProcessedInvoiceEntity.Location(sessionId, claim.InvoiceId, session.ClaimInSessionPartition);
        if (!await DeleteAsync(StorageNames.OrdersTable, orderIds.Select(id => (session.UserId, id)).ToList(), RetentionKinds.Order, budget, removed, cancellationToken).ConfigureAwait(false)
            || (claim is not null
                && !await DeleteAsync(claimRow.Table, [(claimRow.PartitionKey, claimRow.RowKey)], RetentionKinds.Claim, budget, removed, cancellationToken).ConfigureAwait(false)))
        {
            return;
        }

        if (budget.Take(1) == 0)
        {
            return;
        }

        // The user's open-session row, if the cap has not dropped it yet, and the row listing it for the admin
        // routes (not counted: the stores do not say whether they were there).
        await openSessions.RemoveAsync(session.UserId, sessionId, cancellationToken).ConfigureAwait(false);
        await userSessions.RemoveAsync(session, cancellationToken).ConfigureAwait(false);
        // The session row only if nothing changed it since it was found finished (a refund or a late payment
        // arriving meanwhile moves its version on): then it stays, and the next scan looks again.
        var sessionsTable = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken).ConfigureAwait(false);
        var gone = await DeleteUnchangedAsync(sessionsTable, session, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        budget.Return(1 - gone);
        Add(removed, RetentionKinds.Session, gone);
    }

    /// <summary>A receipt still to be issued, or to be cancelled at QPay.</summary>
    private static bool StillMoving(ReceiptRecord receipt) =>
        receipt.Status == ReceiptStatus.Pending || (receipt.CancelRequested && receipt.Status == ReceiptStatus.Registered);

    private async Task<bool> EmptyAsync(string tableName, string partition, string kind, RetentionBudget budget, IDictionary<string, int> removed, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(tableName, cancellationToken).ConfigureAwait(false);
        var (deleted, emptied) = await TableSweep.DeletePartitionAsync(table, partition, budget, cancellationToken).ConfigureAwait(false);
        Add(removed, kind, deleted);
        return emptied;
    }

    private async Task<bool> DeleteAsync(string tableName, IReadOnlyList<(string, string)> rows, string kind, RetentionBudget budget, IDictionary<string, int> removed, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return true;
        }

        if (budget.Take(rows.Count) is var taken && taken < rows.Count)
        {
            budget.Return(taken);
            return false;
        }

        var table = await storage.GetTableAsync(tableName, cancellationToken).ConfigureAwait(false);
        var deleted = await TableSweep.DeleteAsync(table, rows, cancellationToken).ConfigureAwait(false);
        budget.Return(rows.Count - deleted);
        Add(removed, kind, deleted);
        return true;
    }

    private static async Task<bool> DeleteUnchangedAsync(TableClient table, PaymentSession session, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(session.SessionId, SessionEntity.SessionRowKey, select: ["Version"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value!.GetInt32("Version") != session.Version)
        {
            return false;
        }

        return await table.TryDeleteAsync(session.SessionId, SessionEntity.SessionRowKey, row.Value.ETag, cancellationToken).ConfigureAwait(false) == RowDelete.Deleted;
    }

    internal static void Add(IDictionary<string, int> removed, string kind, int count)
    {
        if (count > 0)
        {
            removed[kind] = removed.TryGetValue(kind, out var so) ? so + count : count;
        }
    }
}
