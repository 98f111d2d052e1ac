using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Status;
using QPay.Functions.Security;

namespace QPay.Functions.Functions;

/// <summary>
/// GET /payments/qpay/status (the user's JWT; another user's session is 404) and its internal twin
/// (function key + <c>x-internal-request: true</c>, the user named in the query). Rate-limited per
/// user; reads only.
/// </summary>
public sealed class StatusFunctions(PaymentStatusService statuses, IUserRateLimiter rateLimiter, IUserAuthenticator authenticator)
{
    [Function(nameof(PaymentStatus))]
    public async Task<IActionResult> PaymentStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "payments/qpay/status")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var caller = await authenticator.AuthenticateAsync(request, cancellationToken);
        return caller.Succeeded
            ? await AnswerAsync(request, caller.UserId!, "public", cancellationToken)
            : ApiError.Unauthorized(caller.Failure!);
    }

    [Function(nameof(InternalPaymentStatus))]
    public async Task<IActionResult> InternalPaymentStatus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "order/api/internal/payments/qpay/status")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!request.IsInternal())
        {
            return ApiError.NotInternal();
        }

        var userId = request.Query["userId"].FirstOrDefault();
        return Identifiers.IsValid(userId)
            ? await AnswerAsync(request, userId!, "internal", cancellationToken)
            : ApiError.BadRequest($"userId is required and must be {Identifiers.Rule}.", "userId");
    }

    private async Task<IActionResult> AnswerAsync(HttpRequest request, string userId, string origin, CancellationToken cancellationToken)
    {
        var sessionId = request.Query["sessionId"].FirstOrDefault();
        if (string.IsNullOrEmpty(sessionId))
        {
            return ApiError.BadRequest("sessionId is required.", "sessionId");
        }

        var decision = await rateLimiter.AcquireAsync(UserRateLimit.Status, $"{origin}:{userId}", cancellationToken);
        if (!decision.Allowed)
        {
            return ApiError.TooManyRequests(request, decision, "status requests");
        }

        var status = Identifiers.IsValid(sessionId) ? await statuses.GetAsync(sessionId, userId, cancellationToken) : null;
        return status is null
            ? ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", "No payment session with this sessionId for this user.", "sessionId")
            : new OkObjectResult(new StatusResponse(true, status.Status, status.InvoiceId, status.OrderIds, status.PaidAmount, status.ExpectedAmount, status.ExpiresAt, status.CancelledAt, status.Refund, ReceiptView.From(status.Receipts)));
    }

    public sealed record StatusResponse(
        bool Ok, string Status, string? InvoiceId, IReadOnlyList<string> OrderIds, decimal? PaidAmount, decimal ExpectedAmount,
        DateTimeOffset ExpiresAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CancelledAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SessionRefund? Refund,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReceiptView? Ebarimt);
}
