using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.Refunding;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Security;

namespace QPay.Functions.Functions;

/// <summary>
/// The operator's refunds (internal: function key + <c>x-internal-request: true</c>): refund a
/// paid session, whole or one seller's order (with an <c>Idempotency-Key</c>); record the bank
/// transfer that settles a manual refund; list the manual refunds still to make.
/// </summary>
public sealed class RefundFunctions(RefundService refunds, IdempotentRequests idempotency)
{
    public const int MaxNoteLength = 500;
    public const int MaxReferenceLength = 128;
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    [Function(nameof(RefundSession))]
    public async Task<IActionResult> RefundSession(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "order/api/internal/payments/qpay/refund")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (key, keyError) = IdempotentRequests.ReadKey(request);
        if (keyError is not null)
        {
            return keyError;
        }

        var (body, error) = await JsonBody.ReadAsync(request, RefundJsonContext.Default.RefundRequest, cancellationToken);
        if ((error ?? Validate(body!)) is { } invalid)
        {
            return invalid;
        }

        var reason = body!.Reason!.ToUpperInvariant();
        var fingerprint = Fingerprint(body.SessionId!, body.ShopId, reason, body.Note);
        return await idempotency.RunAsync(request, "refund", key!, fingerprint, async () =>
        {
            var outcome = body.ShopId is null
                ? await refunds.RefundSessionAsync(body.SessionId!, reason, body.Note, cancellationToken)
                : await refunds.RefundShareAsync(body.SessionId!, body.ShopId, reason, body.Note, cancellationToken);
            return RefundAnswers.ForSession(outcome, body.ShopId);
        }, RefundAnswers.IsFinal, cancellationToken);
    }

    [Function(nameof(SettleRefund))]
    public async Task<IActionResult> SettleRefund(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "order/api/internal/payments/qpay/refunds/{refundId}/settle")] HttpRequest request,
        string refundId,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (body, error) = await JsonBody.ReadAsync(request, RefundJsonContext.Default.SettleRequest, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(body!.Reference) || body.Reference.Length > MaxReferenceLength || body.Reference.Any(char.IsControl))
        {
            return ApiError.BadRequest($"reference is required: the bank transfer's reference, 1-{MaxReferenceLength} characters.", "reference");
        }

        var outcome = await refunds.SettleAsync(refundId, body.Reference.Trim(), cancellationToken);
        return RefundAnswers.ForSettlement(outcome);
    }

    [Function(nameof(ListRefunds))]
    public async Task<IActionResult> ListRefunds(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "order/api/internal/payments/qpay/refunds")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var status = (request.Query["status"].FirstOrDefault() ?? "pending").ToLowerInvariant();
        if (status is not ("pending" or "retrying"))
        {
            return ApiError.BadRequest("status must be pending (the manual refunds still to transfer) or retrying (card reversals QPay has not made yet).", "status");
        }

        var (pageSize, badPageSize) = QueryNumber.Read(request, "pageSize", DefaultPageSize, MaxPageSize);
        if (badPageSize is not null)
        {
            return badPageSize;
        }

        var token = request.Query["continuationToken"].FirstOrDefault();
        RefundPage page;
        try
        {
            page = await refunds.ListPendingAsync(status == "pending" ? RefundMethod.Manual : RefundMethod.Api, pageSize, string.IsNullOrEmpty(token) ? null : token, cancellationToken);
        }
        catch (Exception exception) when (token is not null && exception is Azure.RequestFailedException or FormatException or ArgumentException)
        {
            return ApiError.BadRequest("continuationToken is not one this list gave.", "continuationToken");
        }

        return new OkObjectResult(new RefundList(true, page.Refunds.Select(RefundView.From).ToList(), page.ContinuationToken));
    }

    private static IActionResult? Validate(RefundRequest body)
    {
        if (!Identifiers.IsValid(body.SessionId))
        {
            return ApiError.BadRequest($"sessionId is required and must be {Identifiers.Rule}.", "sessionId");
        }

        if (body.ShopId is not null && !Identifiers.IsValid(body.ShopId))
        {
            return ApiError.BadRequest($"shopId must be {Identifiers.Rule}.", "shopId");
        }

        if (body.Reason is null || !RefundReasons.Requestable.Contains(body.Reason.ToUpperInvariant()))
        {
            return ApiError.BadRequest($"reason is required and must be one of {string.Join(", ", RefundReasons.Requestable)}.", "reason");
        }

        return body.Note is { Length: > MaxNoteLength }
            ? ApiError.BadRequest($"note must be at most {MaxNoteLength} characters.", "note")
            : null;
    }

    /// <summary>What the idempotency key is bound to: the same key for another request is refused.</summary>
    private static string Fingerprint(string sessionId, string? shopId, string reason, string? note) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{sessionId}\n{shopId}\n{reason}\n{note}")));

    public sealed record RefundList(bool Ok, IReadOnlyList<RefundView> Refunds, string? ContinuationToken);
}

/// <summary>The refund body: <c>{sessionId, shopId?, reason, note?}</c>.</summary>
public sealed class RefundRequest
{
    [JsonPropertyName("sessionId")] public string? SessionId { get; set; }
    [JsonPropertyName("shopId")] public string? ShopId { get; set; }
    [JsonPropertyName("reason")] public string? Reason { get; set; }
    [JsonPropertyName("note")] public string? Note { get; set; }
}

/// <summary>The settle body: <c>{reference}</c>, the bank transfer's reference.</summary>
public sealed class SettleRequest
{
    [JsonPropertyName("reference")] public string? Reference { get; set; }
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RefundRequest))]
[JsonSerializable(typeof(SettleRequest))]
internal sealed partial class RefundJsonContext : JsonSerializerContext;
