using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Retention;

/// <summary>
/// Removes Idempotency-Keys past <see cref="RetentionOptions.IdempotencyKeyLifetime"/> (IdempotencyKeys
/// rows, by the time of their first request). Storage scans the table for them, a few pages a run from
/// where the last stopped.
/// </summary>
public sealed class IdempotencyKeyRetention(StorageClients storage, ScanCursors cursors, IOptions<StorageOptions> storageOptions, IOptions<RetentionOptions> options, TimeProvider clock)
{
    public async Task<int> RunAsync(RetentionBudget budget, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(storageOptions.Value.IdempotencyKeysTable, cancellationToken).ConfigureAwait(false);
        var cutoff = clock.GetUtcNow() - options.Value.IdempotencyKeyLifetime;
        var filter = IdempotencyTable.CreatedAtProperty + " " + TableClient.CreateQueryFilter($"lt {cutoff}");
        return await TableSweep.DeleteMatchingAsync(table, filter, budget, cursors, ScanCursors.IdempotencyKeys, options.Value.ScanPages, cancellationToken).ConfigureAwait(false);
    }
}
