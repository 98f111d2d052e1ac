using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Status;

namespace QPay.Functions.Functions;

/// <summary>
/// GET /payments/qpay/status (the user's JWT; another user's session is 404) and its internal twin
/// (function key + <c>x-internal-request: true</c>, the user named in the query). Rate-limited per
/// user; reads only. <c>waitSec</c> and <c>known</c> make it a live read: it waits up to
/// <c>waitSec</c> for the status to differ from <c>known</c> (<see cref="LiveStatusQuery"/>). A
/// PENDING session's answer carries its invoice (QR, short URL, deeplinks) to draw it again.
/// </summary>
public sealed class StatusFunctions(SessionReads reads)
{
    [Function(nameof(PaymentStatus))]
    public Task<IActionResult> PaymentStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "payments/qpay/status")] HttpRequest request,
        CancellationToken cancellationToken) =>
        reads.PublicAsync(request, Answer, cancellationToken, live: true);

    [Function(nameof(InternalPaymentStatus))]
    public Task<IActionResult> InternalPaymentStatus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "order/api/internal/payments/qpay/status")] HttpRequest request,
        CancellationToken cancellationToken) =>
        reads.InternalAsync(request, Answer, cancellationToken, live: true);

    private static StatusResponse Answer(string sessionId, PaymentStatusView status) =>
        new(true, status.Status, status.InvoiceId, status.OrderIds, status.PaidAmount, status.ExpectedAmount, status.ExpiresAt, status.CancelledAt, status.Refund, ReceiptView.From(status.Receipts),
            status is { Invoice: { } invoice, InvoiceId: { } invoiceId } ? StatusInvoice.From(invoiceId, invoice) : null);

    public sealed record StatusResponse(
        bool Ok, string Status, string? InvoiceId, IReadOnlyList<string> OrderIds, decimal? PaidAmount, decimal ExpectedAmount,
        DateTimeOffset ExpiresAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CancelledAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SessionRefund? Refund,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReceiptView? Ebarimt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] StatusInvoice? Invoice);

    /// <summary>The seed answer's <c>invoice</c> again (<paramref name="QrImage"/> null if it was too large to store).</summary>
    public sealed record StatusInvoice(string InvoiceId, string QrText, string? QrImage, string? ShortUrl, IReadOnlyList<SeedSessionFunctions.SeedSessionDeeplink> Deeplinks)
    {
        public static StatusInvoice From(string invoiceId, SessionInvoice invoice) =>
            new(invoiceId, invoice.QrText, invoice.QrImage, invoice.ShortUrl, invoice.Deeplinks.Select(d => new SeedSessionFunctions.SeedSessionDeeplink(d.Name, d.Description, d.Logo, d.Link)).ToList());
    }
}
