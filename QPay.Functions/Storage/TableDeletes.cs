using Azure;
using Azure.Data.Tables;

namespace QPay.Functions.Storage;

/// <summary>What a delete under an ETag found.</summary>
public enum RowDelete
{
    /// <summary>
    /// This call removed the row. Also the answer for a 404 after one of its tries failed in transit: the SDK
    /// retried a delete whose reply never came, and the retry found the row that try had removed gone.
    /// </summary>
    Deleted,

    /// <summary>No row was there.</summary>
    Gone,

    /// <summary>The row was written since the ETag was read; it stays.</summary>
    Changed,
}

/// <summary>
/// Row deletes that say what they found. Azure.Data.Tables answers a missing row's 404 as a response, not
/// an exception (unlike a 412, a row changed since its ETag, or any other failure), so a <c>catch</c> for
/// 404 never runs and a caller that went on as if it had deleted the row would be wrong.
/// </summary>
public static class TableDeletes
{
    /// <summary>
    /// Deletes the row whatever its version; true when it was there. A 404 after a try that failed in transit
    /// counts as this call's delete (see <see cref="RowDelete.Deleted"/>): that try most likely removed the row.
    /// </summary>
    public static async Task<bool> DeleteIfExistsAsync(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken) =>
        await DeleteAsync(table, partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false) == RowDelete.Deleted;

    /// <summary>Deletes the row if it still has <paramref name="version"/>.</summary>
    public static async Task<RowDelete> TryDeleteAsync(this TableClient table, string partitionKey, string rowKey, ETag version, CancellationToken cancellationToken)
    {
        try
        {
            return await DeleteAsync(table, partitionKey, rowKey, version, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return RowDelete.Changed;
        }
    }

    // The watch is this call's own (an async method's AsyncLocal change ends with it): a caller's watch is neither
    // replaced nor marked by this delete's tries.
    private static async Task<RowDelete> DeleteAsync(TableClient table, string partitionKey, string rowKey, ETag version, CancellationToken cancellationToken)
    {
        var watch = LostReplyWatch.Begin();
        using var response = await table.DeleteEntityAsync(partitionKey, rowKey, version, cancellationToken).ConfigureAwait(false);
        return response.Status != 404 || watch.FailedInTransit ? RowDelete.Deleted : RowDelete.Gone;
    }
}
