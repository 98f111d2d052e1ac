using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Claims;

/// <summary>
/// A claim row: in its session's partition (PaymentSessions, PK = sessionId, RK =
/// <c>claim~&lt;invoiceId&gt;</c>) for sessions seeded since claims moved there, or in the
/// ProcessedInvoices table (PK = invoiceId, RK = <see cref="ClaimRowKey"/>) for older ones.
/// </summary>
internal sealed class ProcessedInvoiceEntity : ITableEntity
{
    /// <summary>The row key of a claim in the ProcessedInvoices table (sessions seeded before claims moved).</summary>
    public const string ClaimRowKey = "claim";

    /// <summary>The row key prefix of a claim in its session's partition.</summary>
    public const string SessionPartitionPrefix = "claim~";

    public static string SessionPartitionRowKey(string invoiceId) => SessionPartitionPrefix + invoiceId;

    /// <summary>The table and keys of the session's claim of <paramref name="invoiceId"/>.</summary>
    public static (string Table, string PartitionKey, string RowKey) Location(string sessionId, string invoiceId, bool inSessionPartition) =>
        inSessionPartition
            ? (StorageNames.PaymentSessionsTable, sessionId, SessionPartitionRowKey(invoiceId))
            : (StorageNames.ProcessedInvoicesTable, invoiceId, ClaimRowKey);

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = ClaimRowKey;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string SessionId { get; set; } = string.Empty;
    public string ClaimId { get; set; } = string.Empty;
    public string State { get; set; } = nameof(ClaimState.Verified);
    public string PaidMnt { get; set; } = "0";
    public string PaymentIdsJson { get; set; } = "[]";
    public string OrderIdsJson { get; set; } = "[]";
    public DateTimeOffset VerifiedAt { get; set; }
    public DateTimeOffset? EnqueuedAt { get; set; }
    public DateTimeOffset? OrdersCreatedAt { get; set; }

    /// <param name="inSessionPartition">Where the session's claim lives (<see cref="PaymentSession.ClaimInSessionPartition"/>).</param>
    public static ProcessedInvoiceEntity From(ProcessedInvoice claim, bool inSessionPartition) => new()
    {
        PartitionKey = inSessionPartition ? claim.SessionId : claim.InvoiceId,
        RowKey = inSessionPartition ? SessionPartitionRowKey(claim.InvoiceId) : ClaimRowKey,
        SessionId = claim.SessionId,
        ClaimId = claim.ClaimId,
        State = claim.State.ToString(),
        PaidMnt = TableDecimal.Format(claim.PaidMnt),
        PaymentIdsJson = JsonSerializer.Serialize(claim.PaymentIds, SessionJsonContext.Default.IReadOnlyListString),
        OrderIdsJson = JsonSerializer.Serialize(claim.OrderIds, SessionJsonContext.Default.IReadOnlyListString),
        VerifiedAt = claim.VerifiedAt,
        EnqueuedAt = claim.EnqueuedAt,
        OrdersCreatedAt = claim.OrdersCreatedAt,
    };

    public ProcessedInvoice ToClaim() => new()
    {
        InvoiceId = RowKey.StartsWith(SessionPartitionPrefix, StringComparison.Ordinal) ? RowKey[SessionPartitionPrefix.Length..] : PartitionKey,
        SessionId = SessionId,
        ClaimId = ClaimId,
        State = Enum.Parse<ClaimState>(State),
        PaidMnt = TableDecimal.Parse(PaidMnt),
        PaymentIds = JsonSerializer.Deserialize(PaymentIdsJson, SessionJsonContext.Default.IReadOnlyListString) ?? [],
        OrderIds = JsonSerializer.Deserialize(OrderIdsJson, SessionJsonContext.Default.IReadOnlyListString) ?? [],
        VerifiedAt = VerifiedAt,
        EnqueuedAt = EnqueuedAt,
        OrdersCreatedAt = OrdersCreatedAt,
    };
}
