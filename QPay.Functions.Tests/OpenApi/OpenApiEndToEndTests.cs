using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using QPay.Functions.Tests.EndToEnd;
using QPay.Functions.Tests.FunctionsHost;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.OpenApi;

/// <summary>
/// The document against the worker as it runs (the repository's Functions host, the sandbox calling
/// back over HTTP): /openapi.json itself, then a payment's real answers off the wire (seed, PENDING,
/// callbacks, PROCESSED, e-receipt, refund, the operator's view) and error answers (400, 401, 403,
/// 404, 409, 429, and the host's bodiless 401 to a missing function key), each validated against the schema of its path, method and status.
/// In the host collection: stacks running side by side share Redis's QPay token key, each with its own sandbox,
/// so one stack's token could reach the other's sandbox twice in a row (NO_CREDENDIALS).
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class OpenApiEndToEndTests(EndToEndStack stack) : IClassFixture<EndToEndStack>
{
    private const string Base = "/order/api/internal/payments/qpay";

    [Fact]
    public async Task The_host_serves_the_document_anonymously_as_cacheable_json()
    {
        using var response = await stack.App.GetAsync("openapi.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal(QPay.Functions.OpenApi.OpenApiDocumentFile.Instance.Content, await response.Content.ReadAsByteArrayAsync());

        using var again = new HttpRequestMessage(HttpMethod.Get, "openapi.json");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await stack.App.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task A_payment_through_the_host_answers_what_the_document_says()
    {
        var user = "oa-e2e-" + Guid.NewGuid().ToString("N")[..10];
        var seed = await CheckAsync("/payments/qpay/seed-session", "post", 200, Post("payments/qpay/seed-session", Carts.TwoSellers, user));
        var sessionId = seed.GetProperty("sessionId").GetString()!;
        var invoiceId = seed.GetProperty("invoice").GetProperty("invoiceId").GetString()!;

        var pending = await CheckAsync("/payments/qpay/status", "get", 200, Get($"payments/qpay/status?sessionId={sessionId}", user));
        Assert.Equal("PENDING", pending.GetProperty("status").GetString());
        await CheckAsync(Base + "/status", "get", 200, EndToEndStack.Internal(HttpMethod.Get, $"order/api/internal/payments/qpay/status?sessionId={sessionId}&userId={user}"));

        await stack.PayAsync(invoiceId);
        await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");
        var processed = await CheckAsync("/payments/qpay/status", "get", 200, Get($"payments/qpay/status?sessionId={sessionId}", user));
        Assert.Equal(2, processed.GetProperty("orderIds").GetArrayLength());

        var token = new Uri(stack.Sandbox.State.FindInvoice(invoiceId)!.CallbackUrl!).Query;
        var duplicate = await CheckAsync("/payments/qpay/webhook", "get", 200, Get("payments/qpay/webhook" + token, user: null, accept: "application/json"));
        Assert.Equal("DUPLICATE", duplicate.GetProperty("reason").GetString());
        using (var text = await stack.App.GetAsync("payments/qpay/webhook" + token))
        {
            Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
            var body = await text.Content.ReadAsStringAsync();
            OpenApiContract.AssertAnswer("/payments/qpay/webhook", "get", (int)text.StatusCode, JsonSerializer.SerializeToElement(body), "text/plain");
        }

        await CheckAsync("/payments/qpay/ebarimt", "get", 200, Get($"payments/qpay/ebarimt?sessionId={sessionId}", user));
        await CheckAsync("/payments/qpay/cancel", "post", 409, Post("payments/qpay/cancel", new { sessionId }, user));

        var refund = EndToEndStack.Internal(HttpMethod.Post, "order/api/internal/payments/qpay/refund", new { sessionId, reason = "CUSTOMER_REQUEST" });
        refund.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        await CheckAsync(Base + "/refund", "post", 200, refund);

        await CheckAsync(Base + "/sessions/{sessionId}", "get", 200, EndToEndStack.Internal(HttpMethod.Get, $"order/api/internal/payments/qpay/sessions/{sessionId}"));
        await CheckAsync(Base + "/sessions", "get", 200, EndToEndStack.Internal(HttpMethod.Get, $"order/api/internal/payments/qpay/sessions?userId={user}"));
        await CheckAsync(Base + "/sessions/{sessionId}/check", "post", 200, EndToEndStack.Internal(HttpMethod.Post, $"order/api/internal/payments/qpay/sessions/{sessionId}/check"));
        await CheckAsync(Base + "/sessions/{sessionId}/check", "post", 429, EndToEndStack.Internal(HttpMethod.Post, $"order/api/internal/payments/qpay/sessions/{sessionId}/check"));
        await CheckAsync(Base + "/ledger/{date}", "get", 400, EndToEndStack.Internal(HttpMethod.Get, "order/api/internal/payments/qpay/ledger/not-a-day"));

        var missing = await CheckAsync("/payments/qpay/status", "get", 400, Get("payments/qpay/status", user));
        Assert.Equal("sessionId", missing.GetProperty("field").GetString());
        await CheckAsync("/payments/qpay/status", "get", 401, Get($"payments/qpay/status?sessionId={sessionId}", user: null));
        await CheckAsync("/payments/qpay/status", "get", 404, Get($"payments/qpay/status?sessionId={sessionId}", user + "-other"));
        var notInternal = EndToEndStack.Internal(HttpMethod.Get, $"order/api/internal/payments/qpay/status?sessionId={sessionId}&userId={user}");
        notInternal.Headers.Remove("x-internal-request");
        await CheckAsync(Base + "/status", "get", 403, notInternal);
        using (var keyless = await stack.App.GetAsync($"order/api/internal/payments/qpay/status?sessionId={sessionId}&userId={user}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, keyless.StatusCode);
            Assert.Equal("#/components/responses/NoFunctionKey", OpenApiContract.Document["paths"]![Base + "/status"]!["get"]!["responses"]!["401"]!["$ref"]!.GetValue<string>());
        }

        await CheckAsync("/health", "get", 200, new HttpRequestMessage(HttpMethod.Get, "health"));
    }

    private static HttpRequestMessage Get(string route, string? user, string accept = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, route);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        if (user is not null)
        {
            request.Headers.Authorization = new("Bearer", TestJwt.For(user));
        }

        return request;
    }

    private static HttpRequestMessage Post(string route, object body, string user)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        request.Headers.Authorization = new("Bearer", TestJwt.For(user));
        return request;
    }

    /// <summary>Sends, asserts the status and a JSON body, validates it against the document; answers the body.</summary>
    private async Task<JsonElement> CheckAsync(string path, string method, int expectedStatus, HttpRequestMessage request)
    {
        using (request)
        using (var response = await stack.App.SendAsync(request))
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == expectedStatus, $"{method.ToUpperInvariant()} {path}: expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(text);
            OpenApiContract.AssertAnswer(path, method, expectedStatus, json.RootElement);
            return json.RootElement.Clone();
        }
    }
}
