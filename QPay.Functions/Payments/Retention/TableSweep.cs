using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Retention;

/// <summary>Deletes rows found by retention: entity-group transactions of at most 100 rows, one partition each.</summary>
internal static class TableSweep
{
    /// <summary>An entity-group transaction's limit.</summary>
    public const int MaxBatch = 100;

    /// <summary>Deletes the rows given (taken from the budget beforehand); how many were deleted (rows already gone do not count).</summary>
    public static async Task<int> DeleteAsync(TableClient table, IEnumerable<(string Partition, string Row)> rows, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var partition in rows.GroupBy(r => r.Partition, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.Chunk(MaxBatch))
            {
                deleted += await DeleteChunkAsync(table, chunk, cancellationToken).ConfigureAwait(false);
            }
        }

        return deleted;
    }

    /// <summary>
    /// Deletes the rows <paramref name="filter"/> selects, within the budget and at most <paramref name="pages"/>
    /// pages read, going on from where <paramref name="scan"/> stopped last time. A page cut short by the budget
    /// is read again next time (its deleted rows are gone by then). How many were deleted.
    /// </summary>
    public static async Task<int> DeleteMatchingAsync(
        TableClient table, string filter, RetentionBudget budget, ScanCursors cursors, string scan, int pages, CancellationToken cancellationToken)
    {
        if (budget.Spent)
        {
            return 0;
        }

        var token = await cursors.LoadAsync(scan, cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        var read = 0;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(budget.Left, 1000), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken)
            .AsPages(token).ConfigureAwait(false))
        {
            var allowed = budget.Take(page.Values.Count);
            var done = await DeleteAsync(table, page.Values.Take(allowed).Select(r => (r.PartitionKey, r.RowKey)), cancellationToken).ConfigureAwait(false);
            budget.Return(allowed - done);
            deleted += done;
            if (allowed < page.Values.Count)
            {
                break; // this page again next time
            }

            token = page.ContinuationToken;
            if (token is null || ++read >= pages || budget.Spent)
            {
                break;
            }
        }

        await cursors.SaveAsync(scan, token, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Deletes every row of <paramref name="partition"/> within the budget; true when none is left.</summary>
    public static async Task<(int Deleted, bool Emptied)> DeletePartitionAsync(TableClient table, string partition, RetentionBudget budget, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var deleted = 0;
        while (true)
        {
            var rows = new List<(string, string)>();
            await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: MaxBatch, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add((row.PartitionKey, row.RowKey));
                if (rows.Count == MaxBatch)
                {
                    break;
                }
            }

            if (rows.Count == 0)
            {
                return (deleted, true);
            }

            var allowed = budget.Take(rows.Count);
            if (allowed == 0)
            {
                return (deleted, false);
            }

            var done = await DeleteChunkAsync(table, rows.Take(allowed).ToArray(), cancellationToken).ConfigureAwait(false);
            budget.Return(allowed - done);
            deleted += done;
            if (allowed < rows.Count)
            {
                return (deleted, false);
            }
        }
    }

    private static async Task<int> DeleteChunkAsync(TableClient table, (string Partition, string Row)[] chunk, CancellationToken cancellationToken)
    {
        var storedUnanswered = false;
        if (chunk.Length > 1)
        {
            var watch = LostReplyWatch.Begin();
            try
            {
                await table.SubmitTransactionAsync(
                    chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.Partition, r.Row), ETag.All)),
                    cancellationToken).ConfigureAwait(false);
                return chunk.Length;
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // One of them is gone already (another run, a writer): the rest one by one. After a try lost in transit
                // it may be this transaction itself, stored with its reply lost and retried; a transaction stores all
                // or nothing, so it was when none of its rows is left.
                storedUnanswered = watch.FailedInTransit;
            }
        }

        var deleted = 0;
        foreach (var (partition, row) in chunk)
        {
            if (await table.DeleteIfExistsAsync(partition, row, cancellationToken).ConfigureAwait(false))
            {
                deleted++; // a row already gone is not counted again
            }
        }

        return deleted == 0 && storedUnanswered ? chunk.Length : deleted;
    }
}
