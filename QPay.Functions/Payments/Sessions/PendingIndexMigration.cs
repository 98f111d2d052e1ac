using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// Moves the entries of the reconciler's former index (one partition of PaymentSessions, PK
/// <see cref="PaymentOptions.LegacyPendingIndexPartition"/>, RK sessionId) into <see cref="IPendingSessionIndex"/>,
/// a page per call, until the partition is empty; once it is, the home rows of the index's old place (PK
/// <see cref="PaymentOptions.PendingIndexPartition"/>, RK sessionId) into their sessions' partitions
/// (<see cref="PendingSessionTableIndex.MoveOldHomesAsync"/>), a page per call. When both are empty each call
/// costs two empty queries. An entry the index already holds (written since the upgrade) is newer and stays as it is.
/// </summary>
public sealed class PendingIndexMigration(IPendingSessionIndex index, PendingSessionTableIndex homes, StorageClients storage, IOptions<PaymentOptions> options)
{
    private const int Parallelism = 8;

    /// <summary>Moves up to <paramref name="max"/> entries; the number moved.</summary>
    public async Task<int> MoveAsync(int max, CancellationToken cancellationToken)
    {
        var legacy = await MoveLegacyAsync(max, cancellationToken).ConfigureAwait(false);
        return legacy > 0 ? legacy : await homes.MoveOldHomesAsync(max, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> MoveLegacyAsync(int max, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken).ConfigureAwait(false);
        var legacy = options.Value.LegacyPendingIndexPartition;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {legacy}");
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: max, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            await Parallel.ForEachAsync(
                page.Values,
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (row, token) =>
                {
                    if (await index.GetAsync(row.RowKey, token).ConfigureAwait(false) is null)
                    {
                        await index.AddAsync(PendingSessionTableIndex.Entry(row.RowKey, row), token).ConfigureAwait(false);
                    }

                    await table.DeleteIfExistsAsync(legacy, row.RowKey, token).ConfigureAwait(false); // or another timer moved it at the same time
                }).ConfigureAwait(false);
            return page.Values.Count; // one page per call: the timer's run stays bounded.
        }

        return 0;
    }
}
