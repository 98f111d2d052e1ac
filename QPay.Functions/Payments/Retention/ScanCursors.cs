using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Retention;

/// <summary>
/// Where each retention scan resumes: a continuation token per scan, in PaymentSessions (partition
/// <see cref="RetentionOptions.CursorPartition"/>, RK the scan's name). Scans without a partition key make
/// storage read the table in order; resuming keeps each run to a few pages and lets successive runs go
/// through the whole table, then start again.
/// </summary>
public sealed class ScanCursors(StorageClients storage, IOptions<RetentionOptions> options)
{
    public const string Sessions = "session-scan";
    public const string AuditEvents = "audit-scan";
    public const string IdempotencyKeys = "idempotency-scan";

    public async Task<string?> LoadAsync(string scan, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(options.Value.CursorPartition, scan, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetString("Token") : null;
    }

    /// <summary>Saves where <paramref name="scan"/> goes on; null (the table's end) makes the next run start again.</summary>
    public async Task SaveAsync(string scan, string? token, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        if (token is not null)
        {
            await table.UpsertEntityAsync(new TableEntity(options.Value.CursorPartition, scan) { ["Token"] = token }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return;
        }

        await table.DeleteIfExistsAsync(options.Value.CursorPartition, scan, cancellationToken).ConfigureAwait(false); // no cursor: it starts at the beginning already
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken);
}
