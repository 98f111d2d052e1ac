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

/// <summary>The payments QPay holds for an invoice: the source of truth for "paid".</summary>
public sealed record PaymentCheckResult(int Count, decimal? PaidAmount, IReadOnlyList<PaymentRow> Rows)
{
    /// <summary>
    /// The one definition of the money received for <paramref name="invoiceId"/>, so that nothing
    /// else sums rows its own way. A row counts only if its status is PAID, its currency is MNT (a
    /// missing currency does not count), its amount is above zero, its object is INVOICE
    /// <paramref name="invoiceId"/> when it names one (check rows usually name none: they answer
    /// our query for this invoice and are accepted; a row naming another object never counts) and
    /// its payment id is not also on a REFUNDED row. A payment repeated across pages counts once;
    /// rows without a payment id cannot be told apart and each counts on its own. The envelope's
    /// <c>paid_amount</c> is not used: it may be null and it is not broken down by status.
    /// </summary>
    public IReadOnlyList<PaymentRow> CountedRows(string invoiceId)
    {
        var refunded = Rows.Where(r => r.HasPaymentId && r.Is("REFUNDED")).Select(r => r.PaymentId).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var counted = new List<PaymentRow>();
        foreach (var row in Rows)
        {
            if (!row.Is("PAID")
                || !string.Equals(row.Currency, "MNT", StringComparison.OrdinalIgnoreCase)
                || row.Amount is not > 0m
                || !row.IsForInvoice(invoiceId))
            {
                continue;
            }

            if (!row.HasPaymentId || (!refunded.Contains(row.PaymentId) && seen.Add(row.PaymentId)))
            {
                counted.Add(row);
            }
        }

        return counted;
    }
}

/// <summary>
/// A payment/check row. <see cref="PaymentId"/> is empty when QPay sent none. Real check rows
/// usually omit <see cref="ObjectType"/> and <see cref="ObjectId"/> (GET payment/{id} has them).
/// </summary>
public sealed record PaymentRow(
    string PaymentId,
    string? Status,
    decimal? Amount,
    decimal? Fee,
    string? Currency,
    string? PaymentType,
    string? ObjectType,
    string? ObjectId,
    DateTimeOffset? PaidAt)
{
    internal bool HasPaymentId => !string.IsNullOrWhiteSpace(PaymentId);

    internal bool Is(string status) => string.Equals(Status, status, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the row names no object (neither type nor id), or names INVOICE <paramref name="invoiceId"/>.</summary>
    internal bool IsForInvoice(string invoiceId) =>
        (string.IsNullOrEmpty(ObjectType) && string.IsNullOrEmpty(ObjectId))
        || (string.Equals(ObjectType, "INVOICE", StringComparison.OrdinalIgnoreCase) && string.Equals(ObjectId, invoiceId, StringComparison.Ordinal));
}

/// <summary>An e-receipt to issue: the payment, who receives it, and the merchant's codes (null: QPay's defaults).</summary>
public sealed record CreateEbarimtRequest(string PaymentId, string ReceiverType, string? Receiver, string? DistrictCode, string? ClassificationCode);

/// <summary>An issued e-receipt, as QPay answers it (amounts MNT).</summary>
/// <param name="Id">QPay's id of the receipt.</param>
/// <param name="ReceiptId">The tax authority's receipt number (<c>ebarimt_receipt_id</c>), when QPay sends one.</param>
/// <param name="Status">QPay's <c>barimt_status</c>, e.g. REGISTERED.</param>
public sealed record EbarimtReceipt(
    string Id, string? ReceiptId, string? Status, string? QrData, string? Lottery, decimal? Amount, decimal? VatAmount, decimal? CityTaxAmount);

/// <summary>
/// A page of <c>payment/list</c>: payments of <paramref name="ObjectType"/> <paramref name="ObjectId"/>
/// dated from <paramref name="From"/> to <paramref name="To"/> (sent as UTC <c>yyyy-MM-dd HH:mm:ss</c>).
/// </summary>
/// <param name="PageNumber">From 1.</param>
/// <param name="PageLimit">At least 1; QPay documents 100 as the maximum.</param>
public sealed record PaymentListRequest(string ObjectType, string ObjectId, DateTimeOffset From, DateTimeOffset To, int PageNumber, int PageLimit);

/// <summary>A page of <c>payment/list</c>: QPay's total <paramref name="Count"/> over every page (null when it sent none), and this page's rows.</summary>
public sealed record PaymentListPage(int? Count, IReadOnlyList<PaymentRow> Rows);

/// <summary>The fields of <c>GET /v2/invoice/{id}</c> that are used: whose invoice it is (<c>sender_invoice_no</c>) and its status.</summary>
public sealed record QPayInvoiceInfo(string InvoiceId, string? Status, string? SenderInvoiceNo);
