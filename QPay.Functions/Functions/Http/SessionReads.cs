using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Payments.Status;
using QPay.Functions.Security;

namespace QPay.Functions.Functions.Http;

/// <summary>
/// The shared front of the read routes of a session (status, e-receipt): the public one takes the
/// user from the JWT, the internal twin from the query (after the internal header); both are
/// limited per user like status polls, and another user's session is answered 404.
/// </summary>
public sealed class SessionReads(PaymentStatusService statuses, IUserRateLimiter rateLimiter, IUserAuthenticator authenticator)
{
    public async Task<IActionResult> PublicAsync(HttpRequest request, Func<string, PaymentStatusView, object> answer, CancellationToken cancellationToken)
    {
        var caller = await authenticator.AuthenticateAsync(request, cancellationToken);
        return caller.Succeeded
            ? await AnswerAsync(request, caller.UserId!, "public", answer, cancellationToken)
            : ApiError.Unauthorized(caller.Failure!);
    }

    public async Task<IActionResult> InternalAsync(HttpRequest request, Func<string, PaymentStatusView, object> answer, CancellationToken cancellationToken)
    {
        if (!request.IsInternal())
        {
            return ApiError.NotInternal();
        }

        var userId = request.Query["userId"].FirstOrDefault();
        return Identifiers.IsValid(userId)
            ? await AnswerAsync(request, userId!, "internal", answer, cancellationToken)
            : ApiError.BadRequest($"userId is required and must be {Identifiers.Rule}.", "userId");
    }

    private async Task<IActionResult> AnswerAsync(HttpRequest request, string userId, string origin, Func<string, PaymentStatusView, object> answer, CancellationToken cancellationToken)
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
            : new OkObjectResult(answer(sessionId, status));
    }
}
