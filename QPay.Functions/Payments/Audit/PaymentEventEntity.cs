using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Audit;

/// <summary>A row of PaymentEvents: PK sessionId, RK <see cref="PaymentEventKeys.RowKey"/> (time first, so rows sort in time order).</summary>
internal sealed class PaymentEventEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset At { get; set; }
    public string Type { get; set; } = string.Empty;
    public string? Source { get; set; }
    public string? Reason { get; set; }
    public string? PaymentId { get; set; }
    public string? InvoiceId { get; set; }
    public string? AmountMnt { get; set; }
    public string? Detail { get; set; }

    public static PaymentEventEntity From(string sessionId, string rowKey, DateTimeOffset at, PaymentEvent e) => new()
    {
        PartitionKey = sessionId,
        RowKey = rowKey,
        At = at,
        Type = e.Type,
        Source = e.Source,
        Reason = e.Reason,
        PaymentId = e.PaymentId,
        InvoiceId = e.InvoiceId,
        AmountMnt = e.AmountMnt is { } amount ? TableDecimal.Format(amount) : null,
        Detail = e.Detail is { Length: > PaymentEvent.MaxDetailLength } long_ ? long_[..PaymentEvent.MaxDetailLength] : e.Detail,
    };

    public RecordedPaymentEvent ToRecorded() => new(
        PartitionKey,
        RowKey,
        At,
        new PaymentEvent(Type, Source, Reason, PaymentId, InvoiceId, AmountMnt is null ? null : TableDecimal.Parse(AmountMnt), Detail));
}

/// <summary>The row keys of PaymentEvents: <c>yyyyMMddTHHmmss.fffffffZ-{sequence}{random}</c>.</summary>
public static class PaymentEventKeys
{
    private const string TimeFormat = "yyyyMMdd'T'HHmmss.fffffff'Z'";
    private static long s_sequence;

    /// <summary>
    /// A key that sorts by time, then by the order this process recorded events in; the random tail keeps
    /// two instances that record in the same tick apart.
    /// </summary>
    public static string RowKey(DateTimeOffset at) =>
        $"{TimePrefix(at)}-{Interlocked.Increment(ref s_sequence) & 0xFFFFFFFF:x8}{Random.Shared.Next(0x10000):x4}";

    /// <summary>Every key of an event before <paramref name="at"/> sorts below this (retention's range filter).</summary>
    public static string TimePrefix(DateTimeOffset at) =>
        at.UtcDateTime.ToString(TimeFormat, System.Globalization.CultureInfo.InvariantCulture);
}
