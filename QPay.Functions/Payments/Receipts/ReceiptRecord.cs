using Azure;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Receipts;

/// <summary>
/// A payment's e-receipt: a row of EbarimtReceipts (PK sessionId, RK paymentId). It is written
/// PENDING when the payment's orders exist, before any message asks QPay for it, and whoever holds
/// its lease is the only one asking QPay; so a payment never gets a second receipt.
/// </summary>
public sealed record ReceiptRecord
{
    public required string SessionId { get; init; }
    public required string PaymentId { get; init; }
    public required string InvoiceId { get; init; }
    public required ReceiptStatus Status { get; init; }

    /// <summary>QPay's id of the receipt.</summary>
    public string? QPayId { get; init; }

    /// <summary>The tax authority's receipt number.</summary>
    public string? ReceiptId { get; init; }

    /// <summary>QPay's <c>barimt_status</c> as answered.</summary>
    public string? BarimtStatus { get; init; }
    public string? QrData { get; init; }
    public string? Lottery { get; init; }
    public decimal? Amount { get; init; }
    public decimal? VatAmount { get; init; }
    public decimal? CityTaxAmount { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>Set when the payment was refunded: the receipt is to be cancelled (or, never issued, not to be).</summary>
    public bool CancelRequested { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? IssuedAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }

    /// <summary>The row's ETag when this copy was read or written (null for one not from the store): a change of it is written without reading it again.</summary>
    [JsonIgnore]
    public string? StoredETag { get; init; }

    public SessionReceiptLine ToLine() =>
        new(PaymentId, Status, ReceiptId ?? QPayId, QrData, Lottery, Amount, VatAmount, CityTaxAmount, CreatedAt, LastError);
}

internal sealed class ReceiptEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string InvoiceId { get; set; } = string.Empty;
    public string Status { get; set; } = nameof(ReceiptStatus.Pending);
    public string? QPayId { get; set; }
    public string? ReceiptId { get; set; }
    public string? BarimtStatus { get; set; }
    public string? QrData { get; set; }
    public string? Lottery { get; set; }
    public string? Amount { get; set; }
    public string? VatAmount { get; set; }
    public string? CityTaxAmount { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public bool CancelRequested { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? IssuedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }

    public static ReceiptEntity From(ReceiptRecord r) => new()
    {
        PartitionKey = r.SessionId,
        RowKey = r.PaymentId,
        ETag = r.StoredETag is { } etag ? new ETag(etag) : default,
        InvoiceId = r.InvoiceId,
        Status = r.Status.ToString(),
        QPayId = r.QPayId,
        ReceiptId = r.ReceiptId,
        BarimtStatus = r.BarimtStatus,
        QrData = r.QrData,
        Lottery = r.Lottery,
        Amount = Money(r.Amount),
        VatAmount = Money(r.VatAmount),
        CityTaxAmount = Money(r.CityTaxAmount),
        Attempts = r.Attempts,
        LastError = r.LastError,
        LeaseUntil = r.LeaseUntil,
        CancelRequested = r.CancelRequested,
        CreatedAt = r.CreatedAt,
        IssuedAt = r.IssuedAt,
        CancelledAt = r.CancelledAt,
    };

    public ReceiptRecord ToRecord() => new()
    {
        SessionId = PartitionKey,
        PaymentId = RowKey,
        InvoiceId = InvoiceId,
        Status = Enum.Parse<ReceiptStatus>(Status),
        QPayId = QPayId,
        ReceiptId = ReceiptId,
        BarimtStatus = BarimtStatus,
        QrData = QrData,
        Lottery = Lottery,
        Amount = Money(Amount),
        VatAmount = Money(VatAmount),
        CityTaxAmount = Money(CityTaxAmount),
        Attempts = Attempts,
        LastError = LastError,
        LeaseUntil = LeaseUntil,
        CancelRequested = CancelRequested,
        CreatedAt = CreatedAt,
        IssuedAt = IssuedAt,
        CancelledAt = CancelledAt,
        StoredETag = ETag == default ? null : ETag.ToString(),
    };

    private static string? Money(decimal? value) => value is { } v ? TableDecimal.Format(v) : null;

    private static decimal? Money(string? value) => value is null ? null : TableDecimal.Parse(value);
}

/// <summary>The EbarimtReceipts table.</summary>
public interface IReceiptStore
{
    Task<ReceiptRecord?> GetAsync(string sessionId, string paymentId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ReceiptRecord>> ListAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Inserts the row unless the payment has one; answers whether this call created it.</summary>
    Task<bool> AddAsync(ReceiptRecord record, CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="change"/> under optimistic concurrency; answers the stored row and whether this call changed it.</summary>
    Task<(ReceiptRecord? Record, bool Changed)> UpdateAsync(string sessionId, string paymentId, Func<ReceiptRecord, ReceiptRecord?> change, CancellationToken cancellationToken);

    /// <summary>
    /// The same, applied first to <paramref name="known"/> as this caller last read or wrote it, without reading the
    /// row again (one request instead of two); when the row changed since, it is read again and the change asked again.
    /// A change that leaves <paramref name="known"/> as it is writes and reads nothing: the answer is <paramref name="known"/>.
    /// </summary>
    Task<(ReceiptRecord? Record, bool Changed)> UpdateAsync(ReceiptRecord known, Func<ReceiptRecord, ReceiptRecord?> change, CancellationToken cancellationToken);
}

internal sealed class ReceiptTable(StorageClients storage) : IReceiptStore
{
    public async Task<ReceiptRecord?> GetAsync(string sessionId, string paymentId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var read = await table.GetEntityIfExistsAsync<ReceiptEntity>(sessionId, paymentId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return read.HasValue ? read.Value!.ToRecord() : null;
    }

    public async Task<IReadOnlyList<ReceiptRecord>> ListAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ReceiptRecord>();
        await foreach (var entity in table.QueryAsync<ReceiptEntity>(e => e.PartitionKey == sessionId, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(entity.ToRecord());
        }

        return rows;
    }

    public async Task<bool> AddAsync(ReceiptRecord record, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await table.AddEntityAsync(ReceiptEntity.From(record), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public Task<(ReceiptRecord? Record, bool Changed)> UpdateAsync(string sessionId, string paymentId, Func<ReceiptRecord, ReceiptRecord?> change, CancellationToken cancellationToken) =>
        ApplyAsync(sessionId, paymentId, null, change, cancellationToken);

    public Task<(ReceiptRecord? Record, bool Changed)> UpdateAsync(ReceiptRecord known, Func<ReceiptRecord, ReceiptRecord?> change, CancellationToken cancellationToken) =>
        ApplyAsync(known.SessionId, known.PaymentId, known.StoredETag is null ? null : ReceiptEntity.From(known), change, cancellationToken);

    private async Task<(ReceiptRecord? Record, bool Changed)> ApplyAsync(string sessionId, string paymentId, ReceiptEntity? known, Func<ReceiptRecord, ReceiptRecord?> change, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var (row, written) = await OptimisticUpdate.ApplyAsync<ReceiptEntity>(table, sessionId, paymentId, entity =>
        {
            var current = entity.ToRecord();
            return change(current) is { } changed && changed != current ? ReceiptEntity.From(changed) : null;
        }, cancellationToken, known).ConfigureAwait(false);
        return (row?.ToRecord(), written);
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.EbarimtReceiptsTable, cancellationToken);
}
