using System.Collections.Immutable;
using System.Text.Json;

namespace QPay.Sandbox;

/// <summary>An invoice as the sandbox stores it. Immutable: the state replaces it on every change.</summary>
public sealed record SandboxInvoice
{
    public required string InvoiceId { get; init; }

    public required string InvoiceCode { get; init; }

    public required string SenderInvoiceNo { get; init; }

    public required string InvoiceReceiverCode { get; init; }

    public required string InvoiceDescription { get; init; }

    public string? SenderBranchCode { get; init; }

    public string? SenderStaffCode { get; init; }

    public string? SenderTerminalCode { get; init; }

    /// <summary>The amount to pay (<c>total_amount</c>).</summary>
    public required decimal Amount { get; init; }

    public required decimal GrossAmount { get; init; }

    public decimal TaxAmount { get; init; }

    public decimal SurchargeAmount { get; init; }

    public decimal DiscountAmount { get; init; }

    /// <summary>The callback URL exactly as the merchant gave it (null when the full form left it out).</summary>
    public string? CallbackUrl { get; init; }

    public string? Note { get; init; }

    public string? InvoiceDueDate { get; init; }

    public bool EnableExpiry { get; init; }

    public required DateTimeOffset ExpiryDate { get; init; }

    public bool AllowPartial { get; init; }

    public decimal? MinimumAmount { get; init; }

    public bool AllowExceed { get; init; }

    public decimal? MaximumAmount { get; init; }

    public ImmutableArray<SandboxInvoiceLine> Lines { get; init; } = [];

    public required string QrText { get; init; }

    public required string ShortUrl { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public SandboxInvoiceStatus Status { get; init; } = SandboxInvoiceStatus.Open;

    public ImmutableList<SandboxPayment> Payments { get; init; } = [];

    /// <summary>Sum of the payments still PAID (refunds excluded).</summary>
    public decimal PaidAmount => Payments.Where(p => p.Status == SandboxPaymentStatus.Paid).Sum(p => p.Amount);
}

/// <summary>One invoice line; discounts, surcharges and taxes are kept as the merchant sent them.</summary>
public sealed record SandboxInvoiceLine
{
    public string? TaxProductCode { get; init; }

    public required string LineDescription { get; init; }

    public required decimal Quantity { get; init; }

    public required decimal UnitPrice { get; init; }

    public string Note { get; init; } = "";

    public JsonElement? Discounts { get; init; }

    public JsonElement? Surcharges { get; init; }

    public JsonElement? Taxes { get; init; }
}
