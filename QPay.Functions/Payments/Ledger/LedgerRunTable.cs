using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Ledger;

/// <summary>The LedgerRuns table: the last run of each day.</summary>
public interface ILedgerRunStore
{
    Task<LedgerRun?> GetAsync(DateOnly date, CancellationToken cancellationToken);

    /// <summary>Writes the run, replacing an earlier run of the same day.</summary>
    Task SaveAsync(LedgerRun run, CancellationToken cancellationToken);
}

internal sealed class LedgerRunTable(StorageClients storage, IOptions<PaymentOptions> options) : ILedgerRunStore
{
    private const string RowKey = "run";

    public async Task<LedgerRun?> GetAsync(DateOnly date, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.LedgerRunsTable, cancellationToken).ConfigureAwait(false);
        var read = await table.GetEntityIfExistsAsync<LedgerRunEntity>(PartitionKey(LedgerDates.Format(date)), RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return read.HasValue ? read.Value!.ToRun() : null;
    }

    public async Task SaveAsync(LedgerRun run, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.LedgerRunsTable, cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(LedgerRunEntity.From(PartitionKey(run.Date), RowKey, run), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private string PartitionKey(string date) => options.Value.LedgerRunsPartitionPrefix + date;
}

/// <summary>A row of LedgerRuns; the id lists are comma-separated (QPay's payment ids are digits or UUIDs).</summary>
internal sealed class LedgerRunEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Date { get; set; } = string.Empty;
    public DateTimeOffset RanAt { get; set; }
    public string Status { get; set; } = string.Empty;
    public int Listed { get; set; }
    public int Paid { get; set; }
    public int Matched { get; set; }
    public int Recovered { get; set; }
    public int Unresolved { get; set; }
    public int Unmatched { get; set; }
    public int Pages { get; set; }
    public bool Truncated { get; set; }
    public string? UnmatchedPaymentIds { get; set; }
    public string? UnresolvedPaymentIds { get; set; }
    public string? Error { get; set; }

    public static LedgerRunEntity From(string partitionKey, string rowKey, LedgerRun run) => new()
    {
        PartitionKey = partitionKey,
        RowKey = rowKey,
        Date = run.Date,
        RanAt = run.RanAt,
        Status = run.Status,
        Listed = run.Listed,
        Paid = run.Paid,
        Matched = run.Matched,
        Recovered = run.Recovered,
        Unresolved = run.Unresolved,
        Unmatched = run.Unmatched,
        Pages = run.Pages,
        Truncated = run.Truncated,
        UnmatchedPaymentIds = string.Join(',', run.UnmatchedPaymentIds),
        UnresolvedPaymentIds = string.Join(',', run.UnresolvedPaymentIds),
        Error = run.Error,
    };

    public LedgerRun ToRun() => new(
        Date, RanAt, Status, Listed, Paid, Matched, Recovered, Unresolved, Unmatched, Pages, Truncated, Ids(UnmatchedPaymentIds), Ids(UnresolvedPaymentIds), Error);

    private static string[] Ids(string? joined) =>
        string.IsNullOrEmpty(joined) ? [] : joined.Split(',');
}
