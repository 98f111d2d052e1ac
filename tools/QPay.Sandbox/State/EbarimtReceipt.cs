namespace QPay.Sandbox.State;

/// <summary>An e-receipt (ebarimt 3.0) registered for one payment.</summary>
public sealed record EbarimtReceipt
{
    public required string Id { get; init; }

    public required string PaymentId { get; init; }

    public required string InvoiceId { get; init; }

    public required string PaidBy { get; init; }

    public required string ReceiverType { get; init; }

    public required string Receiver { get; init; }

    public required string DistrictCode { get; init; }

    public string? ClassificationCode { get; init; }

    public required string MerchantBranchCode { get; init; }

    public required decimal Amount { get; init; }

    /// <summary>The VAT inside <see cref="Amount"/> (<c>vat_amount</c>), see <c>EbarimtTax</c>.</summary>
    public required decimal VatAmount { get; init; }

    /// <summary><c>city_tax_amount</c>.</summary>
    public required decimal CityTaxAmount { get; init; }

    public required string QrData { get; init; }

    public required string Lottery { get; init; }

    public required string ReceiptId { get; init; }

    public required string Status { get; init; }

    public required DateTimeOffset StatusDate { get; init; }
}
