using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <summary>A session whose orders do not exist yet, and when the reconciler looks at it next.</summary>
/// <param name="Checks">Checks QPay answered (NOT_PAID, AMOUNT_MISMATCH); bounded by the schedule.</param>
/// <param name="Failures">Checks QPay did not answer; they never use up the schedule.</param>
/// <param name="Requeues">Times a stuck Verified claim was queued again.</param>
/// <param name="LastOutcome">What the last look found, for the give-up log.</param>
public sealed record PendingSessionEntry(
    string SessionId,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextCheckAt,
    int Checks = 0,
    int Failures = 0,
    int Requeues = 0,
    string? LastOutcome = null);

/// <summary>
/// The index of unfinished sessions the reconciler walks: one partition of the PaymentSessions
/// table (PK <see cref="PaymentOptions.PendingIndexPartition"/>, RK sessionId), so that no run scans the whole table. A
/// session enters when its invoice exists and leaves when its orders exist (or it gives up).
/// </summary>
public interface IPendingSessionIndex
{
    Task AddAsync(PendingSessionEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries due at <paramref name="now"/>, oldest due first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<PendingSessionEntry>> ListDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    Task UpdateAsync(PendingSessionEntry entry, CancellationToken cancellationToken);

    Task RemoveAsync(string sessionId, CancellationToken cancellationToken);
}

internal sealed class PendingSessionTableIndex(StorageClients storage, IOptions<PaymentOptions> options) : IPendingSessionIndex
{
    private readonly string _partition = options.Value.PendingIndexPartition;

    public async Task AddAsync(PendingSessionEntry entry, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(ToEntity(entry), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PendingSessionEntry>> ListDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var due = new List<PendingSessionEntry>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {_partition} and NextCheckAt le {now}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            due.Add(FromEntity(entity));
        }

        return due.OrderBy(e => e.NextCheckAt).Take(max).ToList();
    }

    public async Task UpdateAsync(PendingSessionEntry entry, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(ToEntity(entry), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await table.DeleteEntityAsync(_partition, sessionId, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone: removal is idempotent.
        }
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken);

    private TableEntity ToEntity(PendingSessionEntry entry) => new(_partition, entry.SessionId)
    {
        ["CreatedAt"] = entry.CreatedAt,
        ["NextCheckAt"] = entry.NextCheckAt,
        ["Checks"] = entry.Checks,
        ["Failures"] = entry.Failures,
        ["Requeues"] = entry.Requeues,
        ["LastOutcome"] = entry.LastOutcome,
    };

    private static PendingSessionEntry FromEntity(TableEntity entity) => new(
        entity.RowKey,
        entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("NextCheckAt") ?? DateTimeOffset.MinValue,
        entity.GetInt32("Checks") ?? 0,
        entity.GetInt32("Failures") ?? 0,
        entity.GetInt32("Requeues") ?? 0,
        entity.GetString("LastOutcome"));
}
