using Azure;
using Azure.Data.Tables;

namespace QPay.Functions.Storage;

/// <summary>
/// Row deletes that say whether this call removed the row. Azure.Data.Tables answers a missing row's
/// 404 as a response, not an exception (only a 412, a row changed since its ETag, throws), so a
/// <c>catch</c> for 404 never runs and a caller that went on as if it had deleted the row would be wrong.
/// </summary>
public static class TableDeletes
{
    /// <summary>Deletes the row whatever its version; true when it was there.</summary>
    public static async Task<bool> DeleteIfExistsAsync(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        using var response = await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    /// <summary>
    /// Deletes the row if it still has <paramref name="version"/>; false when it was gone already or was
    /// written since.
    /// </summary>
    public static async Task<bool> TryDeleteAsync(this TableClient table, string partitionKey, string rowKey, ETag version, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await table.DeleteEntityAsync(partitionKey, rowKey, version, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }
}
