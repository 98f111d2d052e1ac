using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QPay.Functions.QPayApi;

/// <summary>The typed HttpClient behind <see cref="IQPayClient"/>; see qpay-v2-api.md for every shape.</summary>
internal sealed class QPayClient(HttpClient http, IOptions<QPayOptions> options, ILogger<QPayClient> logger) : IQPayClient
{
    /// <summary>QPay's documented page maximum; pages are read until every row is in.</summary>
    internal const int PageLimit = 100;
    private const int MaxPages = 100;

    public async Task<QPayInvoice> CreateInvoiceAsync(CreateInvoiceRequest request, CancellationToken cancellationToken)
    {
        var body = new CreateInvoiceWire
        {
            InvoiceCode = options.Value.InvoiceCode!,
            SenderInvoiceNo = request.SenderInvoiceNo,
            InvoiceReceiverCode = request.ReceiverCode,
            InvoiceDescription = request.Description,
            SenderBranchCode = request.BranchCode,
            Amount = request.Amount,
            CallbackUrl = request.CallbackUrl.AbsoluteUri,
            Lines = request.Lines?.Select(line => new InvoiceLineWire
            {
                SenderProductCode = line.ProductCode,
                LineDescription = line.Description,
                LineQuantity = line.Quantity.ToString("0.00", CultureInfo.InvariantCulture),
                LineUnitPrice = line.UnitPrice.ToString("0.00", CultureInfo.InvariantCulture),
            }).ToList(),
        };

        // Not retryable: QPay has no idempotency key, a retry could create a second invoice.
        using var message = QPayRequests.Create(HttpMethod.Post, "invoice", "invoice.create", retryable: false)
            .WithJson(body, QPayJsonContext.Default.CreateInvoiceWire);
        var created = await QPayRequests.SendAsync(http, message, QPayJsonContext.Default.InvoiceCreatedWire, logger, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(created.InvoiceId))
        {
            throw new QPayApiException("invoice.create", System.Net.HttpStatusCode.OK, "MALFORMED_BODY", null, "QPay's invoice answer lacks invoice_id");
        }

        var links = created.Urls ?? created.QPayDeeplink ?? [];
        return new QPayInvoice(
            created.InvoiceId,
            created.QrText ?? string.Empty,
            created.QrImage ?? string.Empty,
            created.ShortUrl,
            links.Where(l => !string.IsNullOrEmpty(l.Link))
                .Select(l => new BankDeeplink(l.Name ?? string.Empty, l.Description, l.Logo, l.Link!))
                .ToList());
    }

    public async Task CancelInvoiceAsync(string invoiceId, CancellationToken cancellationToken)
    {
        // A repeated cancel answers 400 INVOICE_ALREADY_CANCELED, so this is not retried blindly.
        using var message = QPayRequests.Create(HttpMethod.Delete, $"invoice/{Uri.EscapeDataString(invoiceId)}", "invoice.cancel", retryable: false);
        using var response = await QPayRequests.SendCheckedAsync(http, message, logger, cancellationToken).ConfigureAwait(false);
    }

    public async Task RefundPaymentAsync(string paymentId, string? note, CancellationToken cancellationToken)
    {
        // Not retryable: a retry after a lost answer would only meet PAYMENT_ALREADY_CANCELED, and
        // the refund's own queue decides when to ask again.
        using var message = QPayRequests.Create(HttpMethod.Delete, $"payment/refund/{Uri.EscapeDataString(paymentId)}", "payment.refund", retryable: false)
            .WithJson(new PaymentRefundWire { Note = note }, QPayJsonContext.Default.PaymentRefundWire);
        using var response = await QPayRequests.SendCheckedAsync(http, message, logger, cancellationToken).ConfigureAwait(false);
    }

    public async Task<EbarimtReceipt> CreateEbarimtAsync(CreateEbarimtRequest request, CancellationToken cancellationToken)
    {
        // Not retryable here: the receipt queue owns retries (QPay answers the one receipt a payment has).
        using var message = QPayRequests.Create(HttpMethod.Post, "ebarimt_v3/create", "ebarimt.create", retryable: false)
            .WithJson(
                new EbarimtCreateWire
                {
                    PaymentId = request.PaymentId,
                    ReceiverType = request.ReceiverType,
                    Receiver = request.Receiver,
                    DistrictCode = request.DistrictCode,
                    ClassificationCode = request.ClassificationCode,
                },
                QPayJsonContext.Default.EbarimtCreateWire);
        var receipt = await QPayRequests.SendAsync(http, message, QPayJsonContext.Default.EbarimtWire, logger, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(receipt.Id))
        {
            throw new QPayApiException("ebarimt.create", System.Net.HttpStatusCode.OK, "MALFORMED_BODY", null, "QPay's e-receipt answer lacks id");
        }

        return new EbarimtReceipt(receipt.Id, receipt.ReceiptId, receipt.BarimtStatus, receipt.QrData, receipt.Lottery, receipt.Amount, receipt.VatAmount, receipt.CityTaxAmount);
    }

    public async Task CancelEbarimtAsync(string paymentId, CancellationToken cancellationToken)
    {
        using var message = QPayRequests.Create(HttpMethod.Delete, $"ebarimt_v3/{Uri.EscapeDataString(paymentId)}", "ebarimt.cancel", retryable: false);
        using var response = await QPayRequests.SendCheckedAsync(http, message, logger, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PaymentCheckResult> CheckInvoicePaymentsAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var rows = new List<PaymentRow>();
        decimal? paidAmount = null;
        var count = 0;
        for (var page = 1; page <= MaxPages; page++)
        {
            // payment/check reads only: a POST that is safe to retry.
            using var message = QPayRequests.Create(HttpMethod.Post, "payment/check", "payment.check", retryable: true)
                .WithJson(
                    new PaymentCheckRequestWire { ObjectId = invoiceId, Offset = new PageOffsetWire { PageNumber = page, PageLimit = PageLimit } },
                    QPayJsonContext.Default.PaymentCheckRequestWire);
            var result = await QPayRequests.SendAsync(http, message, QPayJsonContext.Default.PaymentCheckWire, logger, cancellationToken).ConfigureAwait(false);
            var pageRows = result.Rows ?? [];
            rows.AddRange(pageRows.Select(ToRow));
            paidAmount = result.PaidAmount ?? paidAmount;
            count = (int)(result.Count ?? rows.Count);
            if (pageRows.Count < PageLimit || rows.Count >= count)
            {
                break;
            }
        }

        return new PaymentCheckResult(Math.Max(count, rows.Count), paidAmount, rows);
    }

    public async Task<PaymentListPage> ListPaymentsAsync(PaymentListRequest request, CancellationToken cancellationToken)
    {
        // payment/list reads only: a POST that is safe to retry, as payment/check is.
        using var message = QPayRequests.Create(HttpMethod.Post, "payment/list", "payment.list", retryable: true)
            .WithJson(
                new PaymentListRequestWire
                {
                    ObjectType = request.ObjectType,
                    ObjectId = request.ObjectId,
                    StartDate = ListDate(request.From),
                    EndDate = ListDate(request.To),
                    Offset = new PageOffsetWire { PageNumber = request.PageNumber, PageLimit = request.PageLimit },
                },
                QPayJsonContext.Default.PaymentListRequestWire);
        var result = await QPayRequests.SendAsync(http, message, QPayJsonContext.Default.PaymentCheckWire, logger, cancellationToken).ConfigureAwait(false);
        var rows = (result.Rows ?? []).Select(ToRow).ToList();
        return new PaymentListPage(result.Count is { } count ? (int)count : null, rows);
    }

    public async Task<QPayInvoiceInfo> GetInvoiceAsync(string invoiceId, CancellationToken cancellationToken)
    {
        using var message = QPayRequests.Create(HttpMethod.Get, $"invoice/{Uri.EscapeDataString(invoiceId)}", "invoice.get", retryable: true);
        var invoice = await QPayRequests.SendAsync(http, message, QPayJsonContext.Default.InvoiceWire, logger, cancellationToken).ConfigureAwait(false);
        return new QPayInvoiceInfo(invoice.InvoiceId ?? invoiceId, invoice.InvoiceStatus, invoice.SenderInvoiceNo);
    }

    /// <summary>QPay's list filter format; the time is sent in UTC (QPay documents no zone).</summary>
    internal static string ListDate(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static PaymentRow ToRow(PaymentWire row) =>
        new(
            row.PaymentId ?? string.Empty, row.PaymentStatus, row.PaymentAmount, row.Fee, row.PaymentCurrency, row.Type,
            row.ObjectType, row.ObjectId, row.PaymentDate);
}
