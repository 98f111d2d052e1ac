using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Retention;

/// <summary>
/// Removes Idempotency-Keys past <see cref="RetentionOptions.IdempotencyKeyLifetime"/> (IdempotencyKeys
/// rows, by the time of their first request). Storage scans the table for them; a run reads no more rows
/// than it may delete.
/// </summary>
public sealed class IdempotencyKeyRetention(StorageClients storage, IOptions<StorageOptions> storageOptions, IOptions<RetentionOptions> options, TimeProvider clock)
{
    public async Task<int> RunAsync(RetentionBudget budget, CancellationToken cancellationToken)
    {
        var wanted = budget.Left;
        if (wanted <= 0)
        {
            return 0;
        }

        var table = await storage.GetTableAsync(storageOptions.Value.IdempotencyKeysTable, cancellationToken).ConfigureAwait(false);
        var cutoff = clock.GetUtcNow() - options.Value.IdempotencyKeyLifetime;
        var filter = IdempotencyTable.CreatedAtProperty + " " + TableClient.CreateQueryFilter($"lt {cutoff}");
        var rows = new List<(string, string)>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(wanted, 1000), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add((row.PartitionKey, row.RowKey));
            if (rows.Count == wanted)
            {
                break;
            }
        }

        var deleted = await TableSweep.DeleteAsync(table, rows, cancellationToken).ConfigureAwait(false);
        budget.Take(deleted);
        return deleted;
    }
}
