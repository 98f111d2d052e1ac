using Azure;
using Azure.Data.Tables;

namespace QPay.Functions.Storage;

/// <summary>
/// Read-modify-write of one table row under optimistic concurrency: the row is written only if
/// nobody wrote it since it was read (If-Match ETag); on a conflict (412) it is read again and the
/// change asked again, so the change always decides on the latest row.
/// </summary>
public static class OptimisticUpdate
{
    public const int MaxAttempts = 10;

    /// <param name="change">The replacement of the row as read, or null to leave it as it is.</param>
    /// <returns>The row as stored afterwards (null when there is none), and whether this call wrote it.</returns>
    public static async Task<(T? Row, bool Written)> ApplyAsync<T>(
        TableClient table, string partitionKey, string rowKey, Func<T, T?> change, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        for (var attempt = 1; ; attempt++)
        {
            var read = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!read.HasValue)
            {
                return (null, false);
            }

            var current = read.Value!;
            if (change(current) is not { } replacement)
            {
                return (current, false);
            }

            try
            {
                await table.UpdateEntityAsync(replacement, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return (replacement, true);
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxAttempts)
            {
                // Someone else wrote the row first: read it again and let the change decide again.
            }
        }
    }
}
