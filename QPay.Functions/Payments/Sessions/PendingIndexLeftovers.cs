using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <param name="Deleted">Due rows no home row pointed to, deleted.</param>
/// <param name="HandedBack">Entries whose due row sat in an hour the listing has passed, moved to now so the reconciler visits them.</param>
public sealed record LeftoverSweep(int Deleted, int HandedBack);

/// <summary>
/// What the reconciler's index (<see cref="PendingSessionTableIndex"/>) can leave behind: its listing reads
/// only the hours from its cursor on, so a due row in an hour the cursor has passed (a writer whose clock was
/// more than an hour behind, or a crash between a move's steps) is never met again. Such a row that no home row
/// points to is finished and is deleted once its storage timestamp is old enough that no writer's next step can
/// still point to it; one a home row points to is a live entry, never deleted: it is moved to now, and the
/// reconciler's visit decides (it removes the entry of a finished session). The legacy partition needs nothing
/// here: <see cref="PendingIndexMigration"/> empties it.
/// </summary>
public sealed class PendingIndexLeftovers(IPendingSessionIndex index, StorageClients storage, IOptions<PaymentOptions> options, TimeProvider clock)
{
    // The index's own layout (PendingSessionTableIndex): due partitions {prefix}-due-yyyyMMddHH, the cursor row.
    private const string HourFormat = "yyyyMMddHH";
    private const int PageSize = 1000;

    public async Task<LeftoverSweep> SweepAsync(int maxDeletes, TimeSpan orphanAge, CancellationToken cancellationToken)
    {
        var prefix = options.Value.PendingIndexPartition;
        var table = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken).ConfigureAwait(false);
        var cursor = await table.GetEntityIfExistsAsync<TableEntity>(prefix + "-cursor", "cursor", cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!cursor.HasValue || cursor.Value!.GetDateTimeOffset("Hour") is not { } hour || maxDeletes <= 0)
        {
            return new LeftoverSweep(0, 0);
        }

        var from = prefix + "-due-";
        var passed = from + hour.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {from} and PartitionKey lt {passed}");
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(maxDeletes, PageSize), select: ["PartitionKey", "RowKey", "SessionId", "Timestamp"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
            if (rows.Count == maxDeletes)
            {
                break;
            }
        }

        var now = clock.GetUtcNow();
        var deleted = 0;
        var handedBack = 0;
        foreach (var row in rows)
        {
            var entry = row.GetString("SessionId") is { } sessionId ? await index.GetAsync(sessionId, cancellationToken).ConfigureAwait(false) : null;
            if (entry?.Slot is { } slot && slot.Partition == row.PartitionKey && slot.Row == row.RowKey)
            {
                // Live but stranded: back to the listing (not while a visit holds it; that visit moves it itself).
                if (entry.RunningUntil is not { } until || until <= now)
                {
                    handedBack += await index.UpdateAsync(entry, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                }

                continue;
            }

            if (row.Timestamp is { } written && written < now - orphanAge)
            {
                deleted += await DeleteAsync(table, row, cancellationToken).ConfigureAwait(false);
            }
        }

        return new LeftoverSweep(deleted, handedBack);
    }

    private static async Task<int> DeleteAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        // Under the ETag read: a row rewritten since is not the one judged finished.
        return await table.TryDeleteAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false) == RowDelete.Deleted ? 1 : 0;
    }
}
