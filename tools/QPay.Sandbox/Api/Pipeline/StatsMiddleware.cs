using System.Text.Json;
using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Stats;

namespace QPay.Sandbox.Api.Pipeline;

/// <summary>
/// Counts every call of a /v2 endpoint under its key, before faults or auth can answer it; a call that
/// names an invoice is also counted for that invoice: <c>invoice.get</c> and <c>invoice.cancel</c> by
/// their route's id, <c>payment.check</c> and <c>payment.list</c> by <c>object_id</c> when
/// <c>object_type</c> is <c>INVOICE</c> (the body is buffered and read again by the endpoint).
/// </summary>
internal sealed class StatsMiddleware(RequestDelegate next, CallStats stats, SandboxOptions options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EndpointKey>() is { } key)
        {
            stats.Count(key.Key);
            if (await InvoiceIdAsync(context, key.Key) is { Length: > 0 } invoiceId)
            {
                stats.CountInvoice(key.Key, invoiceId, options.Clock.GetUtcNow());
            }
        }

        await next(context);
    }

    private static async Task<string?> InvoiceIdAsync(HttpContext context, string key)
    {
        switch (key)
        {
            case EndpointKeys.InvoiceGet or EndpointKeys.InvoiceCancel:
                return context.Request.RouteValues["invoiceId"] as string;
            case EndpointKeys.PaymentCheck or EndpointKeys.PaymentList:
                var request = context.Request;
                request.EnableBuffering();
                string text;
                using (var reader = new StreamReader(request.Body, leaveOpen: true))
                {
                    text = await reader.ReadToEndAsync(context.RequestAborted);
                }

                request.Body.Position = 0;
                try
                {
                    using var document = JsonDocument.Parse(text);
                    var root = document.RootElement;
                    return root.ValueKind == JsonValueKind.Object
                        && root.TryGetProperty("object_type", out var type) && type.ValueKind == JsonValueKind.String
                        && type.GetString() == "INVOICE"
                        && root.TryGetProperty("object_id", out var id) && id.ValueKind == JsonValueKind.String
                            ? id.GetString()
                            : null;
                }
                catch (JsonException)
                {
                    return null; // the endpoint answers the malformed body
                }

            default:
                return null;
        }
    }
}
