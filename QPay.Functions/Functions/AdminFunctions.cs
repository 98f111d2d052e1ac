using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Operations;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Security;

namespace QPay.Functions.Functions;

/// <summary>
/// The operators' session routes (internal: function key + <c>x-internal-request: true</c>): one
/// session with everything stored about it, a user's sessions page by page, and "check now".
/// </summary>
public sealed class AdminFunctions(SessionInspector inspector, SessionChecker checker)
{
    [Function(nameof(GetPaymentSession))]
    public async Task<IActionResult> GetPaymentSession(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "order/api/internal/payments/qpay/sessions/{sessionId}")] HttpRequest request,
        string sessionId,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        if (!Identifiers.IsValid(sessionId))
        {
            return InvalidSessionId();
        }

        var detail = await inspector.GetAsync(sessionId, cancellationToken);
        return detail is null
            ? NotFound()
            : new OkObjectResult(new SessionAnswer(
                true, detail.Session, detail.Claim, detail.Orders, detail.Events, detail.EventsTruncated, detail.RefundPlan, detail.Refunds, detail.Receipts));
    }

    [Function(nameof(ListPaymentSessions))]
    public async Task<IActionResult> ListPaymentSessions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "order/api/internal/payments/qpay/sessions")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var userId = request.Query["userId"].FirstOrDefault();
        if (!Identifiers.IsValid(userId))
        {
            return ApiError.BadRequest($"userId is required and must be {Identifiers.Rule}.", "userId");
        }

        var (limit, badLimit) = QueryNumber.Read(request, "limit", SessionInspector.DefaultPageSize, SessionInspector.MaxPageSize);
        if (badLimit is not null)
        {
            return badLimit;
        }

        var cursor = request.Query["cursor"].FirstOrDefault();
        try
        {
            var page = await inspector.ListAsync(userId!, limit, string.IsNullOrEmpty(cursor) ? null : cursor, cancellationToken);
            return new OkObjectResult(new SessionListAnswer(true, page.Sessions, page.NextCursor));
        }
        catch (FormatException)
        {
            return ApiError.BadRequest("cursor is not one this list gave (pass nextCursor as it was answered).", "cursor");
        }
    }

    [Function(nameof(CheckPaymentSession))]
    public async Task<IActionResult> CheckPaymentSession(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "order/api/internal/payments/qpay/sessions/{sessionId}/check")] HttpRequest request,
        string sessionId,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        if (!Identifiers.IsValid(sessionId))
        {
            return InvalidSessionId();
        }

        var outcome = await checker.CheckAsync(sessionId, cancellationToken);
        return outcome.Result switch
        {
            CheckNowResult.NotFound => NotFound(),
            CheckNowResult.RateLimited => ApiError.TooManyRequests(request, new RateLimitDecision(false, outcome.RetryAfter), "checks of this session"),
            _ => new OkObjectResult(new CheckAnswer(true, sessionId, outcome.Processed, outcome.Reason!, outcome.Status!.Value.ToApi(), outcome.InvoiceId, outcome.OrderIds ?? [])),
        };
    }

    private static IActionResult InvalidSessionId() =>
        ApiError.BadRequest($"sessionId must be {Identifiers.Rule}.", "sessionId");

    private static IActionResult NotFound() =>
        ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", "No payment session with this sessionId.", "sessionId");

    /// <summary><c>{ok, session, claim, orders, events, eventsTruncated, refundPlan, refunds, receipts}</c>.</summary>
    public sealed record SessionAnswer(
        bool Ok,
        AdminSessionView Session,
        AdminClaimView? Claim,
        IReadOnlyList<Order> Orders,
        IReadOnlyList<RecordedPaymentEvent> Events,
        bool EventsTruncated,
        RefundPlan? RefundPlan,
        IReadOnlyList<RefundRecord> Refunds,
        IReadOnlyList<ReceiptRecord> Receipts);

    public sealed record SessionListAnswer(bool Ok, IReadOnlyList<AdminSessionSummary> Sessions, string? NextCursor);

    /// <summary>The check's outcome: <c>reason</c> as a webhook answers it (or NOT_PENDING / NO_INVOICE: QPay not asked) and the session's status.</summary>
    public sealed record CheckAnswer(bool Ok, string SessionId, bool Processed, string Reason, string Status, string? InvoiceId, IReadOnlyList<string> OrderIds);
}
