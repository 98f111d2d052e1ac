using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Status;
using QPay.Functions.Security;

namespace QPay.Functions.Functions;

/// <summary>
/// The seed system's receipt read, <c>GET /payments/qpay/ebarimt?sessionId=</c> (the owner's JWT;
/// another user's session is 404) and its internal twin (the user named in the query), limited
/// like status polls; and the internal retry of FAILED receipts.
/// </summary>
public sealed class EbarimtFunctions(SessionReads reads, ReceiptService receipts, ISessionStore sessions)
{
    [Function(nameof(GetEbarimt))]
    public Task<IActionResult> GetEbarimt(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "payments/qpay/ebarimt")] HttpRequest request,
        CancellationToken cancellationToken) =>
        reads.PublicAsync(request, Answer, cancellationToken);

    [Function(nameof(InternalGetEbarimt))]
    public Task<IActionResult> InternalGetEbarimt(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "order/api/internal/payments/qpay/ebarimt")] HttpRequest request,
        CancellationToken cancellationToken) =>
        reads.InternalAsync(request, Answer, cancellationToken);

    [Function(nameof(RetryEbarimt))]
    public async Task<IActionResult> RetryEbarimt(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "order/api/internal/payments/qpay/ebarimt/retry")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (body, error) = await JsonBody.ReadAsync(request, EbarimtJsonContext.Default.EbarimtRetryRequest, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (!Identifiers.IsValid(body!.SessionId))
        {
            return ApiError.BadRequest($"sessionId is required and must be {Identifiers.Rule}.", "sessionId");
        }

        if (await sessions.GetAsync(body.SessionId!, cancellationToken) is null)
        {
            return ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", "No payment session with this sessionId.", "sessionId");
        }

        var retried = await receipts.RetryFailedAsync(body.SessionId!, cancellationToken);
        return retried > 0
            ? new OkObjectResult(new EbarimtRetryResponse(true, body.SessionId!, retried))
            : ApiError.Result(StatusCodes.Status409Conflict, "NOTHING_TO_RETRY", "The session has no FAILED e-receipt.", "sessionId");
    }

    private static EbarimtResponse Answer(string sessionId, PaymentStatusView status) =>
        new(true, sessionId, status.Status, status.InvoiceId, status.Receipts?.Receipts.FirstOrDefault()?.PaymentId, ReceiptView.From(status.Receipts));

    /// <summary>The seed system's shape: <c>{ok, sessionId, status, invoiceId, paymentId, ebarimt}</c> (ebarimt null until the orders exist).</summary>
    public sealed record EbarimtResponse(bool Ok, string SessionId, string Status, string? InvoiceId, string? PaymentId, ReceiptView? Ebarimt);

    public sealed record EbarimtRetryResponse(bool Ok, string SessionId, int Requeued);
}

public sealed class EbarimtRetryRequest
{
    [JsonPropertyName("sessionId")] public string? SessionId { get; set; }
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EbarimtRetryRequest))]
internal sealed partial class EbarimtJsonContext : JsonSerializerContext;
