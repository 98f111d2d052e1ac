using System.Text.Json;
using System.Text.Json.Serialization;
using QPay.Sandbox.Qr;

namespace QPay.Sandbox.Api.Contracts;

/// <summary>The body of <c>POST /v2/invoice</c>.</summary>
internal sealed record InvoiceCreatedBody(
    string InvoiceId,
    string QrText,
    string QrImage,
    [property: JsonPropertyName("qPay_shortUrl")] string QPayShortUrl,
    IReadOnlyList<BankLink> Urls);

/// <summary>
/// The body of <c>GET /v2/invoice/{id}</c>, with QPay's three money types: <c>total_amount</c> a string,
/// gross, tax, surcharge and discount numbers, minimum and maximum null unless set.
/// </summary>
internal sealed record InvoiceBody
{
    public required string InvoiceId { get; init; }

    public required string InvoiceStatus { get; init; }

    public required string SenderInvoiceNo { get; init; }

    public string? SenderBranchCode { get; init; }

    public object? SenderBranchData { get; init; }

    public string? SenderStaffCode { get; init; }

    public object? SenderStaffData { get; init; }

    public string? SenderTerminalCode { get; init; }

    public object? SenderTerminalData { get; init; }

    public required string InvoiceDescription { get; init; }

    public string? InvoiceDueDate { get; init; }

    public bool EnableExpiry { get; init; }

    public required string ExpiryDate { get; init; }

    public bool AllowPartial { get; init; }

    public string? MinimumAmount { get; init; }

    public bool AllowExceed { get; init; }

    public string? MaximumAmount { get; init; }

    public required string TotalAmount { get; init; }

    public required decimal GrossAmount { get; init; }

    public required decimal TaxAmount { get; init; }

    public required decimal SurchargeAmount { get; init; }

    public required decimal DiscountAmount { get; init; }

    public string? CallbackUrl { get; init; }

    public string? Note { get; init; }

    public required IReadOnlyList<InvoiceLineBody> Lines { get; init; }

    public IReadOnlyList<object> Transactions { get; init; } = [];

    public IReadOnlyList<object> Inputs { get; init; } = [];
}

internal sealed record InvoiceLineBody(
    string? TaxProductCode,
    string LineDescription,
    string LineQuantity,
    string LineUnitPrice,
    string Note,
    JsonElement Discounts,
    JsonElement Surcharges,
    JsonElement Taxes);
