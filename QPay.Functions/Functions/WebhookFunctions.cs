using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.Webhooks;

namespace QPay.Functions.Functions;

/// <summary>
/// QPay's callback (GET with <c>qpay_payment_id</c> appended, or POST with a JSON hint) and its
/// internal twin. Every outcome is HTTP 200 with a reason; QPay's own GET is answered with the
/// plain text <c>SUCCESS</c> it asks for, the reason in <c>X-Webhook-Reason</c>.
/// </summary>
public sealed class WebhookFunctions(WebhookProcessor processor, ILogger<WebhookFunctions> logger)
{
    public const string ReasonHeader = "X-Webhook-Reason";

    /// <summary>The payment id QPay appends to its callback URL (kept in the audit trail only).</summary>
    public const string PaymentIdParameter = "qpay_payment_id";

    [Function(nameof(QPayWebhook))]
    public async Task<IActionResult> QPayWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "payments/qpay/webhook")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var hint = await WebhookHint.ReadAsync(request, cancellationToken);
        var outcome = await HandleAsync(
            new WebhookRequest(
                request.Query["sessionId"].FirstOrDefault(),
                request.Query["token"].FirstOrDefault(),
                TokenRequired: true,
                hint.InvoiceId,
                request.Query[PaymentIdParameter].FirstOrDefault()),
            cancellationToken);

        var reason = outcome.Reason?.ToApi() ?? WebhookProcessor.ProcessedReason;
        if (HttpMethods.IsGet(request.Method) && !AcceptsJson(request))
        {
            request.HttpContext.Response.Headers[ReasonHeader] = reason;
            return new ContentResult { StatusCode = StatusCodes.Status200OK, Content = "SUCCESS", ContentType = "text/plain; charset=utf-8" };
        }

        return new OkObjectResult(new PublicWebhookResponse(
            true, outcome.Processed, outcome.InvoiceId, outcome.SessionId, outcome.OrderIds, outcome.Reason?.ToApi()));
    }

    [Function(nameof(InternalQPayWebhook))]
    public async Task<IActionResult> InternalQPayWebhook(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "order/api/internal/payments/qpay/webhook")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var hint = await WebhookHint.ReadAsync(request, cancellationToken);
        var outcome = await HandleAsync(
            new WebhookRequest(request.Query["sessionId"].FirstOrDefault(), null, TokenRequired: false, hint.InvoiceId, request.Query[PaymentIdParameter].FirstOrDefault()),
            cancellationToken);
        return new OkObjectResult(new InternalWebhookResponse(
            Success: outcome.Processed || outcome.Reason == WebhookReason.Duplicate, outcome.Processed, outcome.Reason?.ToApi(), outcome.OrderIds));
    }

    /// <summary>
    /// Webhooks always answer 200 with a reason: an unexpected failure (storage down, say) is
    /// VERIFICATION_FAILED, retried by a later callback or the reconciler, never a 500.
    /// </summary>
    private async Task<WebhookOutcome> HandleAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await processor.HandleAsync(request, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            Log.WebhookFailed(logger, exception);
            return WebhookOutcome.Rejected(WebhookReason.VerificationFailed, null);
        }
    }

    private static bool AcceptsJson(HttpRequest request) =>
        request.Headers.Accept.Any(value => value is not null && value.Contains("json", StringComparison.OrdinalIgnoreCase));

    public sealed record PublicWebhookResponse(bool Ok, bool Processed, string? InvoiceId, string? SessionId, IReadOnlyList<string> OrderIds, string? Reason);

    /// <param name="Success">The payment is claimed: processed by this call, or before it (DUPLICATE).</param>
    public sealed record InternalWebhookResponse(bool Success, bool Processed, string? Reason, IReadOnlyList<string> OrderIds);

    /// <summary>
    /// The optional POST body <c>{invoiceId, status, payload}</c>. Only the invoice id is read, and
    /// only as a hint; a missing, oversized or broken body is no hint, not an error.
    /// </summary>
    private readonly record struct WebhookHint(string? InvoiceId)
    {
        private const int MaxBytes = 16 * 1024;

        public static async Task<WebhookHint> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
        {
            if (!HttpMethods.IsPost(request.Method) || request.ContentLength is > MaxBytes)
            {
                return default;
            }

            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }

            if (length == 0 || length > MaxBytes)
            {
                return default;
            }

            try
            {
                using var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 16 });
                return document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("invoiceId", out var invoiceId)
                    && invoiceId.ValueKind == JsonValueKind.String
                    ? new WebhookHint(invoiceId.GetString())
                    : default;
            }
            catch (JsonException)
            {
                return default;
            }
        }
    }
}
