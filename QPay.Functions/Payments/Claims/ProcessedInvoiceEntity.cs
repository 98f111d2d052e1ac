using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Claims;

internal sealed class ProcessedInvoiceEntity : ITableEntity
{
    public const string ClaimRowKey = "claim";

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

    public static ProcessedInvoiceEntity From(ProcessedInvoice claim) => new()
    {
        PartitionKey = claim.InvoiceId,
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
        InvoiceId = PartitionKey,
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
