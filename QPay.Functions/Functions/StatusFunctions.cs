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
/// user; reads only.
/// </summary>
public sealed class StatusFunctions(SessionReads reads)
{
    [Function(nameof(PaymentStatus))]
    public Task<IActionResult> PaymentStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "payments/qpay/status")] HttpRequest request,
        CancellationToken cancellationToken) =>
        reads.PublicAsync(request, Answer, cancellationToken);

    [Function(nameof(InternalPaymentStatus))]
    public Task<IActionResult> InternalPaymentStatus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "order/api/internal/payments/qpay/status")] HttpRequest request,
        CancellationToken cancellationToken) =>
        reads.InternalAsync(request, Answer, cancellationToken);

    private static StatusResponse Answer(string sessionId, PaymentStatusView status) =>
        new(true, status.Status, status.InvoiceId, status.OrderIds, status.PaidAmount, status.ExpectedAmount, status.ExpiresAt, status.CancelledAt, status.Refund, ReceiptView.From(status.Receipts));

    public sealed record StatusResponse(
        bool Ok, string Status, string? InvoiceId, IReadOnlyList<string> OrderIds, decimal? PaidAmount, decimal ExpectedAmount,
        DateTimeOffset ExpiresAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CancelledAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SessionRefund? Refund,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReceiptView? Ebarimt);
}
