namespace QPay.Functions.QPayApi;

/// <summary>An invoice to create (the simple form, optionally with lines). Amounts are whole MNT.</summary>
public sealed record CreateInvoiceRequest(
    string SenderInvoiceNo,
    string Description,
    decimal Amount,
    Uri CallbackUrl,
    string ReceiverCode = "terminal",
    string? BranchCode = null,
    IReadOnlyList<InvoiceLine>? Lines = null);

public sealed record InvoiceLine(string Description, decimal Quantity, decimal UnitPrice, string? ProductCode = null);

/// <summary>What the customer pays with: QR, short URL and one deeplink per bank app.</summary>
public sealed record QPayInvoice(
    string InvoiceId,
    string QrText,
    string QrImage,
    string? ShortUrl,
    IReadOnlyList<BankDeeplink> Deeplinks);

public sealed record BankDeeplink(string Name, string? Description, string? Logo, string Link);

public sealed record QPayInvoiceDetails(
    string InvoiceId,
    string? InvoiceStatus,
    string? SenderInvoiceNo,
    decimal? TotalAmount,
    decimal? GrossAmount,
    string? CallbackUrl);

/// <summary>The payments QPay holds for an invoice: the source of truth for "paid".</summary>
public sealed record PaymentCheckResult(int Count, decimal? PaidAmount, IReadOnlyList<PaymentRow> Rows)
{
    /// <summary>
    /// The payments that count: PAID, in MNT (or no currency given), each payment once even if a row
    /// repeats across pages. The envelope's paid_amount is not used: it may be null.
    /// </summary>
    public IReadOnlyList<PaymentRow> PaidRows =>
        Rows.Where(r => r.IsPaid && (r.Currency is null || string.Equals(r.Currency, "MNT", StringComparison.OrdinalIgnoreCase)))
            .DistinctBy(r => r.PaymentId)
            .ToList();

    public decimal PaidTotal => PaidRows.Sum(r => r.Amount ?? 0m);
}

public sealed record PaymentRow(
    string PaymentId,
    string? Status,
    decimal? Amount,
    decimal? Fee,
    string? Currency,
    string? PaymentType,
    DateTimeOffset? PaidAt)
{
    public bool IsPaid => string.Equals(Status, "PAID", StringComparison.OrdinalIgnoreCase);
}

public sealed record QPayPayment(
    string PaymentId,
    string? Status,
    decimal? Amount,
    decimal? Fee,
    string? Currency,
    string? PaymentType,
    string? ObjectType,
    string? ObjectId,
    DateTimeOffset? PaidAt);
