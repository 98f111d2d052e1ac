using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Refunds;

/// <summary>A refund row of the Refunds table (money as an invariant decimal string).</summary>
internal sealed class RefundEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string InvoiceId { get; set; } = string.Empty;
    public string Kind { get; set; } = nameof(RefundKind.Payment);
    public string? PaymentId { get; set; }
    public string? ShopId { get; set; }
    public string AmountMnt { get; set; } = "0";
    public string Method { get; set; } = nameof(RefundMethod.Api);
    public string Status { get; set; } = nameof(RefundStatus.Pending);
    public string Reason { get; set; } = string.Empty;
    public string? Note { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RefundedAt { get; set; }
    public string? Reference { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    public static RefundEntity From(RefundRecord record) => new()
    {
        PartitionKey = record.SessionId,
        RowKey = record.Key,
        InvoiceId = record.InvoiceId,
        Kind = record.Kind.ToString(),
        PaymentId = record.PaymentId,
        ShopId = record.ShopId,
        AmountMnt = TableDecimal.Format(record.AmountMnt),
        Method = record.Method.ToString(),
        Status = record.Status.ToString(),
        Reason = record.Reason,
        Note = record.Note,
        CreatedAt = record.CreatedAt,
        RefundedAt = record.RefundedAt,
        Reference = record.Reference,
        Attempts = record.Attempts,
        LastError = record.LastError,
        NextAttemptAt = record.NextAttemptAt,
        LeaseUntil = record.LeaseUntil,
    };

    public RefundRecord ToRecord() => new()
    {
        SessionId = PartitionKey,
        Key = RowKey,
        InvoiceId = InvoiceId,
        Kind = Enum.Parse<RefundKind>(Kind),
        PaymentId = PaymentId,
        ShopId = ShopId,
        AmountMnt = TableDecimal.Parse(AmountMnt),
        Method = Enum.Parse<RefundMethod>(Method),
        Status = Enum.Parse<RefundStatus>(Status),
        Reason = Reason,
        Note = Note,
        CreatedAt = CreatedAt,
        RefundedAt = RefundedAt,
        Reference = Reference,
        Attempts = Attempts,
        LastError = LastError,
        NextAttemptAt = NextAttemptAt,
        LeaseUntil = LeaseUntil,
    };
}

/// <summary>The plan row of a session in the Refunds table (shops as JSON).</summary>
internal sealed class RefundPlanEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = RefundKeys.Plan;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? WholeReason { get; set; }
    public string? WholeNote { get; set; }
    public string? WholeSource { get; set; }
    public DateTimeOffset? WholeRequestedAt { get; set; }
    public string ShopsJson { get; set; } = "[]";
    public DateTimeOffset? ExcessSettledAt { get; set; }

    public static RefundPlanEntity From(RefundPlan plan) => new()
    {
        PartitionKey = plan.SessionId,
        WholeReason = plan.WholeReason,
        WholeNote = plan.WholeNote,
        WholeSource = plan.WholeSource,
        WholeRequestedAt = plan.WholeRequestedAt,
        ShopsJson = JsonSerializer.Serialize(plan.Shops, SessionJsonContext.Default.IReadOnlyListString),
        ExcessSettledAt = plan.ExcessSettledAt,
    };

    public RefundPlan ToPlan() => new()
    {
        SessionId = PartitionKey,
        WholeReason = WholeReason,
        WholeNote = WholeNote,
        WholeSource = WholeSource,
        WholeRequestedAt = WholeRequestedAt,
        Shops = JsonSerializer.Deserialize(ShopsJson, SessionJsonContext.Default.IReadOnlyListString) ?? [],
        ExcessSettledAt = ExcessSettledAt,
    };
}
