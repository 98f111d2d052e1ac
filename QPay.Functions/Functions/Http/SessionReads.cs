using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Payments.Status;
using QPay.Functions.Security;

namespace QPay.Functions.Functions.Http;

/// <summary>
/// The shared front of the read routes of a session (status, e-receipt): the public one takes the
/// user from the JWT, the internal twin from the query (after the internal header); both are
/// limited per user like status polls, and another user's session is answered 404. A live read
/// (the status route) also takes <see cref="LiveStatusQuery"/> and may wait for a change
/// (<see cref="StatusWaiter"/>): it counts once against the limit, before the wait.
/// </summary>
public sealed class SessionReads(LimitedStatusRead immediate, StatusWaiter waiter, IUserRateLimiter rateLimiter, IUserAuthenticator authenticator)
{
    public async Task<IActionResult> PublicAsync(HttpRequest request, Func<string, PaymentStatusView, object> answer, CancellationToken cancellationToken, bool live = false)
    {
        var caller = await authenticator.AuthenticateAsync(request, cancellationToken);
        return caller.Succeeded
            ? await AnswerAsync(request, caller.UserId!, "public", answer, live, cancellationToken)
            : ApiError.Unauthorized(caller.Failure!);
    }

    public async Task<IActionResult> InternalAsync(HttpRequest request, Func<string, PaymentStatusView, object> answer, CancellationToken cancellationToken, bool live = false)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var userId = request.Query["userId"].FirstOrDefault();
        return Identifiers.IsValid(userId)
            ? await AnswerAsync(request, userId!, "internal", answer, live, cancellationToken)
            : ApiError.BadRequest($"userId is required and must be {Identifiers.Rule}.", "userId");
    }

    private async Task<IActionResult> AnswerAsync(
        HttpRequest request, string userId, string origin, Func<string, PaymentStatusView, object> answer, bool live, CancellationToken cancellationToken)
    {
        var sessionId = request.Query["sessionId"].FirstOrDefault();
        if (string.IsNullOrEmpty(sessionId))
        {
            return ApiError.BadRequest("sessionId is required.", "sessionId");
        }

        var (liveQuery, liveError) = live ? LiveStatusQuery.Parse(request.Query) : (null, null);
        if (liveError is not null)
        {
            return liveError;
        }

        var partition = $"{origin}:{userId}";
        RateLimitDecision decision;
        PaymentStatusView? status = null;
        if (Identifiers.IsValid(sessionId) && liveQuery is not { Wait: not null })
        {
            // The common poll: the limit and the cached copy in one Redis round trip.
            (decision, status) = await immediate.GetAsync(partition, sessionId, userId, cancellationToken);
        }
        else
        {
            decision = await rateLimiter.AcquireAsync(UserRateLimit.Status, partition, cancellationToken);
            if (decision.Allowed && liveQuery is { Wait: { } wait } && Identifiers.IsValid(sessionId))
            {
                status = await waiter.WaitAsync(sessionId, userId, liveQuery.Known, wait, cancellationToken);
            }
        }

        if (!decision.Allowed)
        {
            return ApiError.TooManyRequests(request, decision, "status requests");
        }

        return status is null
            ? ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", "No payment session with this sessionId for this user.", "sessionId")
            : new OkObjectResult(answer(sessionId, status));
    }
}
