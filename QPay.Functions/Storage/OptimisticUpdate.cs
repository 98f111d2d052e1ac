using Azure;
using Azure.Data.Tables;

namespace QPay.Functions.Storage;

/// <summary>
/// Read-modify-write of one table row under optimistic concurrency: the row is written only if
/// nobody wrote it since it was read (If-Match ETag); on a conflict (412) it is read again and the
/// change asked again, so the change always decides on the latest row. A caller that holds the row
/// as it last read or wrote it passes it as <c>known</c>: the first attempt then writes without reading (and a change
/// that leaves the known row as it is ends there, decided on the row as the caller last saw it). A write
/// whose reply was lost in transit, and which the SDK retried into a 412, is recognised by the row holding what it
/// sent (<see cref="LostReplyWatch"/>: without a lost try a 412 is always another writer's).
/// </summary>
public static class OptimisticUpdate
{
    public const int MaxAttempts = 10;

    /// <param name="change">The replacement of the row as read, or null to leave it as it is.</param>
    /// <param name="known">The row with the ETag it was read or written at, to change without reading it first; null reads it.</param>
    /// <returns>The row as stored afterwards with its ETag (null when there is none), and whether this call wrote it.</returns>
    public static Task<(T? Row, bool Written)> ApplyAsync<T>(
        TableClient table, string partitionKey, string rowKey, Func<T, T?> change, CancellationToken cancellationToken, T? known = null)
        where T : class, ITableEntity =>
        ApplyAsync<T>(table, partitionKey, rowKey, (row, _) => Task.FromResult(change(row)), cancellationToken, known);

    /// <param name="change">
    /// The replacement of the row as read, or null to leave it as it is. It may read other rows: whatever it read
    /// after this row was read is covered by the ETag (a writer that decided on later reads makes this write fail and
    /// the change is asked again).
    /// </param>
    /// <param name="known">The row with the ETag it was read or written at, to change without reading it first; null reads it.</param>
    /// <returns>The row as stored afterwards with its ETag (null when there is none), and whether this call wrote it.</returns>
    public static async Task<(T? Row, bool Written)> ApplyAsync<T>(
        TableClient table, string partitionKey, string rowKey, Func<T, CancellationToken, Task<T?>> change, CancellationToken cancellationToken, T? known = null)
        where T : class, ITableEntity
    {
        T? refused = null;
        for (var attempt = 1; ; attempt++)
        {
            var current = attempt == 1 && known is not null ? known : await ReadAsync<T>(table, partitionKey, rowKey, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return (null, false);
            }

            // A 412 after a try lost in transit may be this call's own write, stored and retried by the SDK: the
            // row then holds exactly what was sent.
            if (refused is not null && TableRows.SameValues(current, refused))
            {
                return (current, true);
            }

            if (await change(current, cancellationToken).ConfigureAwait(false) is not { } replacement)
            {
                return (current, false);
            }

            var watch = LostReplyWatch.Begin();
            try
            {
                var written = await table.UpdateEntityAsync(replacement, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                replacement.ETag = written.Headers.ETag ?? default;
                return (replacement, true);
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxAttempts)
            {
                // Someone else wrote the row first (or, after a try lost in transit, this write did): read it again.
                refused = watch.FailedInTransit ? replacement : null;
            }
        }
    }

    private static async Task<T?> ReadAsync<T>(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var read = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return read.HasValue ? read.Value : null;
    }
}
