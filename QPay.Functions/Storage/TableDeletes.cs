using Azure;
using Azure.Data.Tables;

namespace QPay.Functions.Storage;

/// <summary>What a delete under an ETag found.</summary>
public enum RowDelete
{
    /// <summary>This call removed the row.</summary>
    Deleted,

    /// <summary>
    /// No row was there. Also the answer when this call's own delete was stored and its reply lost: the
    /// SDK retries a request whose reply never came, and the retry finds the row gone.
    /// </summary>
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
    /// Deletes the row whatever its version; true when it was there. False also when this call's own delete was
    /// stored and its reply lost (the SDK's retry finds the row gone): a count made from it can come out low.
    /// </summary>
    public static async Task<bool> DeleteIfExistsAsync(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        using var response = await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    /// <summary>Deletes the row if it still has <paramref name="version"/>.</summary>
    public static async Task<RowDelete> TryDeleteAsync(this TableClient table, string partitionKey, string rowKey, ETag version, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await table.DeleteEntityAsync(partitionKey, rowKey, version, cancellationToken).ConfigureAwait(false);
            return response.Status == 404 ? RowDelete.Gone : RowDelete.Deleted;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return RowDelete.Changed;
        }
    }
}
