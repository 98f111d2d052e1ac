using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.Cancellation;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Security;

namespace QPay.Functions.Functions;

/// <summary>
/// POST /payments/qpay/cancel (the owner's JWT; another user's session is 404) and its internal
/// twin (function key + <c>x-internal-request: true</c>, the user named in the body).
/// </summary>
public sealed class CancelFunctions(SessionCanceller canceller, IUserAuthenticator authenticator)
{
    [Function(nameof(CancelSession))]
    public async Task<IActionResult> CancelSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/qpay/cancel")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var caller = await authenticator.AuthenticateAsync(request, cancellationToken);
        if (!caller.Succeeded)
        {
            return ApiError.Unauthorized(caller.Failure!);
        }

        var (body, error) = await JsonBody.ReadAsync(request, CancelJsonContext.Default.CancelRequest, cancellationToken);
        return error ?? await CancelAsync(body!.SessionId, caller.UserId!, cancellationToken);
    }

    [Function(nameof(InternalCancelSession))]
    public async Task<IActionResult> InternalCancelSession(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "order/api/internal/payments/qpay/cancel")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (body, error) = await JsonBody.ReadAsync(request, CancelJsonContext.Default.CancelRequest, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        return Identifiers.IsValid(body!.UserId)
            ? await CancelAsync(body.SessionId, body.UserId!, cancellationToken)
            : ApiError.BadRequest($"userId is required and must be {Identifiers.Rule}.", "userId");
    }

    private async Task<IActionResult> CancelAsync(string? sessionId, string userId, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValid(sessionId))
        {
            return ApiError.BadRequest($"sessionId is required and must be {Identifiers.Rule}.", "sessionId");
        }

        var outcome = await canceller.CancelAsync(sessionId!, userId, cancellationToken);
        var session = outcome.Session;
        return outcome.Result switch
        {
            CancelResult.Cancelled => new OkObjectResult(new CancelResponse(true, session!.SessionId, session.Status.ToApi(), session.CancelledAt)),
            CancelResult.NotFound => ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", "No payment session with this sessionId for this user.", "sessionId"),
            CancelResult.AlreadyPaid => Conflict("ALREADY_PAID", $"The session is paid ({session!.Status.ToApi()}); it cannot be cancelled.", session),
            CancelResult.NotCancellable => Conflict("NOT_CANCELLABLE", $"The session is {session!.Status.ToApi()}; there is nothing to cancel.", session),
            _ => ApiError.Result(
                StatusCodes.Status502BadGateway,
                "QPAY_CANCEL_FAILED",
                $"QPay did not cancel the invoice ({outcome.QPayErrorCode}) and no payment was found; the session is still PENDING, try again."),
        };
    }

    private static ObjectResult Conflict(string code, string message, PaymentSession session) =>
        new(new CancelConflict(code, message, session.Status.ToApi())) { StatusCode = StatusCodes.Status409Conflict };

    public sealed record CancelResponse(bool Ok, string SessionId, string Status, DateTimeOffset? CancelledAt);

    /// <summary>The <see cref="ApiError"/> fields and the session's status.</summary>
    public sealed record CancelConflict(string Error, string Message, string Status);
}

/// <summary>The cancel body: <c>{sessionId}</c>, plus <c>userId</c> on the internal route.</summary>
public sealed class CancelRequest
{
    [JsonPropertyName("sessionId")] public string? SessionId { get; set; }
    [JsonPropertyName("userId")] public string? UserId { get; set; }
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CancelRequest))]
internal sealed partial class CancelJsonContext : JsonSerializerContext;
