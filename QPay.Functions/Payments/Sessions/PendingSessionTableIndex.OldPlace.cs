using System.Globalization;
using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <summary>The move of home rows out of the old place (PK <c>{prefix}</c>) into their sessions' partitions.</summary>
public sealed partial class PendingSessionTableIndex
{
    /// <summary>
    /// Moves up to <paramref name="max"/> home rows from the old place into their sessions' partitions, each as the
    /// index's writers move an entry: a new due row (at the time the old one was due), the new home row (inserted:
    /// one there already is newer, and the old row is just deleted), the old home row deleted under the ETag read,
    /// then its due row. An old row changed meanwhile (a writer that read it before the new row existed) takes the
    /// move back, for a later call; one already gone is kept as moved. The rows looked at.
    /// </summary>
    internal async Task<int> MoveOldHomesAsync(int max, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {_prefix}");
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, PageSize), cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            await Parallel.ForEachAsync(
                page.Values,
                new ParallelOptions { MaxDegreeOfParallelism = MoveParallelism, CancellationToken = cancellationToken },
                async (old, token) => await MoveOldHomeAsync(table, old, token).ConfigureAwait(false)).ConfigureAwait(false);
            return page.Values.Count; // one page per call: the timer's run stays bounded.
        }

        return 0;
    }

    /// <summary>
    /// Moves one old-place home row as <paramref name="old"/> was read. A writer that changed the row since then
    /// wins: the move is taken back and the row left to a later run (internal for its tests).
    /// </summary>
    internal async Task MoveOldHomeAsync(TableClient table, TableEntity old, CancellationToken cancellationToken)
    {
        var entry = FromHome(old);
        var slot = SlotFor(entry.SessionId, entry.GoesFirst, (entry.Slot is { } was ? DueTimeOf(was) : null) ?? entry.NextCheckAt);
        await table.UpsertEntityAsync(DueEntity(slot), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        var moved = HomeEntity(entry with { InOldPlace = false }, slot, entry.Ticket, entry.RunningUntil);
        var inserted = true;
        var watch = LostReplyWatch.Begin();
        try
        {
            var response = await table.AddEntityAsync(moved, cancellationToken).ConfigureAwait(false);
            moved.ETag = response.Headers.ETag ?? throw new InvalidOperationException("Table Storage answered an insert without an ETag.");
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            inserted = false;
        }

        // After a try lost in transit, a 409 may be this insert itself, stored and retried by the SDK.
        if (!inserted && !(watch.FailedInTransit && await IsOwnWriteAsync(table, moved, DueRowColumn, cancellationToken).ConfigureAwait(false)))
        {
            // Written since the upgrade (or by a move that stopped half-way): the new row is the entry.
            await table.DeleteIfExistsAsync(slot.Partition, slot.Row, cancellationToken).ConfigureAwait(false);
            await table.TryDeleteAsync(old.PartitionKey, old.RowKey, old.ETag, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Gone is kept as moved: a remover that deleted the old row before the insert leaves one entry too many
        // (its next visit finds the session finished and removes it), where a take-back could leave a live
        // session without one.
        if (await table.TryDeleteAsync(old.PartitionKey, old.RowKey, old.ETag, cancellationToken).ConfigureAwait(false) == RowDelete.Changed)
        {
            // A writer changed the old row after it was read here: its write stands, the move is taken back.
            await table.TryDeleteAsync(moved.PartitionKey, moved.RowKey, moved.ETag, cancellationToken).ConfigureAwait(false);
            await table.DeleteIfExistsAsync(slot.Partition, slot.Row, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (entry.Slot is { } stale)
        {
            await table.DeleteIfExistsAsync(stale.Partition, stale.Row, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>When a due row is due, from its row key (<c>{lane}-{due time}-{sessionId}-{nonce}</c>).</summary>
    private static DateTimeOffset? DueTimeOf(DueSlot slot) =>
        slot.Row.Length >= 2 + TimeFormat.Length
        && DateTimeOffset.TryParseExact(slot.Row.AsSpan(2, TimeFormat.Length), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var due)
            ? due
            : null;
}
