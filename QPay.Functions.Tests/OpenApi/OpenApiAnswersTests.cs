using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using QPay.Functions.Functions;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.OpenApi;

/// <summary>
/// The real answers of a payment's life, called through the functions as the worker binds them,
/// each validated against the document's schema of its path, method and status: seed, PENDING,
/// QPay's callback (JSON and the text SUCCESS), PROCESSED, e-receipt, refund and its settlement,
/// the operators' routes, the catalogue, and the error answers (400 with field, 401, 403, 404, 409,
/// 413, 415, 422, 429).
/// </summary>
public sealed class OpenApiAnswersTests : IClassFixture<HarnessFixture>
{
    private const string Base = "/order/api/internal/payments/qpay";
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };
    private readonly PaymentsHarness _harness;

    public OpenApiAnswersTests(HarnessFixture fixture) => _harness = fixture.Harness;

    [Fact]
    public async Task A_payment_from_seed_to_refund_answers_what_the_document_says()
    {
        var user = "oa-user-" + Guid.NewGuid().ToString("N")[..10];
        var seed = Check("/payments/qpay/seed-session", "post", await _harness.SeedAsync(user, Carts.TwoSellers), 200);
        var sessionId = seed.Body.GetProperty("sessionId").GetString()!;
        var invoiceId = seed.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!;

        var pending = Check("/payments/qpay/status", "get", await StatusAsync(user, $"sessionId={sessionId}"), 200);
        Assert.Equal("PENDING", pending.Body.GetProperty("status").GetString());
        Check(Base + "/status", "get", await Call(_harness.Function<StatusFunctions>().InternalPaymentStatus, HttpRequests.Get($"sessionId={sessionId}&userId={user}", headers: Internal)), 200);

        var paymentId = await _harness.PayAsync(invoiceId);
        var callback = Check("/payments/qpay/webhook", "get", await _harness.CallbackAsync(invoiceId, paymentId), 200);
        Assert.True(callback.Body.GetProperty("processed").GetBoolean());
        var text = await _harness.CallbackAsync(invoiceId, paymentId, acceptJson: false);
        Assert.Equal("SUCCESS", text.Text);
        OpenApiContract.AssertAnswer("/payments/qpay/webhook", "get", text.Status, JsonSerializer.SerializeToElement(text.Text), "text/plain");
        Check("/payments/qpay/webhook", "post", await _harness.WebhookAsync(_harness.CallbackUrl(invoiceId).Query, new { invoiceId }), 200);
        Check(Base + "/webhook", "post", await Call(_harness.Function<WebhookFunctions>().InternalQPayWebhook, HttpRequests.Json("POST", new { invoiceId }, query: $"sessionId={sessionId}", headers: Internal)), 200);
        Check("/payments/qpay/webhook", "get", await _harness.WebhookAsync("sessionId=nope&token=bad"), 200);

        await _harness.ProcessOrderQueueAsync();
        await _harness.ProcessReceiptQueueAsync();
        var processed = Check("/payments/qpay/status", "get", await StatusAsync(user, $"sessionId={sessionId}"), 200);
        Assert.Equal("PROCESSED", processed.Body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Object, processed.Body.GetProperty("ebarimt").ValueKind);
        Check("/payments/qpay/ebarimt", "get", await Call(_harness.Function<EbarimtFunctions>().GetEbarimt, HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(user))), 200);
        Check(Base + "/ebarimt", "get", await Call(_harness.Function<EbarimtFunctions>().InternalGetEbarimt, HttpRequests.Get($"sessionId={sessionId}&userId={user}", headers: Internal)), 200);
        Check(Base + "/ebarimt/retry", "post", await Call(_harness.Function<EbarimtFunctions>().RetryEbarimt, HttpRequests.Json("POST", new { sessionId }, headers: Internal)), 409);
        Check("/payments/qpay/cancel", "post", await _harness.CancelAsync(user, sessionId), 409);

        var refund = Check(Base + "/refund", "post", await _harness.RefundAsync(sessionId), 200);
        var refundId = refund.Body.GetProperty("refund").GetProperty("payments")[0].GetProperty("refundId").GetString()!;
        Check(Base + "/refunds", "get", await _harness.PendingRefundsAsync(), 200);
        Check(Base + "/refunds/{refundId}/settle", "post", await _harness.SettleAsync(refundId, "TRANSFER-" + refundId[..8]), 200);
        Check(Base + "/refunds/{refundId}/settle", "post", await _harness.SettleAsync(refundId, "ANOTHER-REFERENCE"), 409);
        Check(Base + "/refunds/{refundId}/settle", "post", await _harness.SettleAsync("no-such-refund", "X"), 404);
        Check(Base + "/refund", "post", await _harness.RefundAsync("no-such-session"), 404);
        var refunded = Check("/payments/qpay/status", "get", await StatusAsync(user, $"sessionId={sessionId}"), 200);
        Assert.Equal(JsonValueKind.Object, refunded.Body.GetProperty("refund").ValueKind);

        var admin = _harness.Function<AdminFunctions>();
        var detail = Check(Base + "/sessions/{sessionId}", "get", await Call((r, t) => admin.GetPaymentSession(r, sessionId, t), HttpRequests.Get(string.Empty, headers: Internal)), 200);
        Assert.NotEqual(0, detail.Body.GetProperty("events").GetArrayLength());
        Check(Base + "/sessions", "get", await Call(admin.ListPaymentSessions, HttpRequests.Get($"userId={user}&limit=1", headers: Internal)), 200);
        Check(Base + "/sessions/{sessionId}/check", "post", await Call((r, t) => admin.CheckPaymentSession(r, sessionId, t), HttpRequests.Raw("POST", null, headers: Internal)), 200);
        var limited = Check(Base + "/sessions/{sessionId}/check", "post", await Call((r, t) => admin.CheckPaymentSession(r, sessionId, t), HttpRequests.Raw("POST", null, headers: Internal)), 429);
        Assert.False(string.IsNullOrEmpty(limited.Headers.RetryAfter));

        var ledger = _harness.Function<LedgerFunctions>();
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Check(Base + "/ledger/{date}", "get", await Call((r, t) => ledger.GetLedgerRun(r, today, t), HttpRequests.Get(string.Empty, headers: Internal)), 404);
        Check(Base + "/ledger/{date}", "post", await Call((r, t) => ledger.RunLedgerCheck(r, today, t), HttpRequests.Raw("POST", null, headers: Internal)), 200);
        Check(Base + "/ledger/{date}", "get", await Call((r, t) => ledger.GetLedgerRun(r, today, t), HttpRequests.Get(string.Empty, headers: Internal)), 200);
        Check(Base + "/ledger/{date}", "get", await Call((r, t) => ledger.GetLedgerRun(r, "2999-01-01", t), HttpRequests.Get(string.Empty, headers: Internal)), 400);
    }

    [Fact]
    public async Task Error_answers_answer_what_the_document_says()
    {
        var user = "oa-errors-" + Guid.NewGuid().ToString("N")[..10];
        var status = _harness.Function<StatusFunctions>();

        var noSession = Check("/payments/qpay/status", "get", await StatusAsync(user, string.Empty), 400);
        Assert.Equal("sessionId", noSession.Body.GetProperty("field").GetString());
        Check("/payments/qpay/status", "get", await StatusAsync(user, "sessionId=no-such-session"), 404);
        Check("/payments/qpay/status", "get", await Call(status.PaymentStatus, HttpRequests.Get("sessionId=x")), 401);
        Check(Base + "/status", "get", await Call(status.InternalPaymentStatus, HttpRequests.Get("sessionId=x&userId=u")), 403);
        Check(Base + "/status", "get", await Call(status.InternalPaymentStatus, HttpRequests.Get("sessionId=x", headers: Internal)), 400);

        var seed = _harness.Function<SeedSessionFunctions>();
        var malformed = Check("/payments/qpay/seed-session", "post", await Call(seed.SeedSession, HttpRequests.Raw("POST", "{\"cart\": [", bearer: TestJwt.For(user))), 400);
        Assert.Equal("MALFORMED_JSON", malformed.Error);
        var badQuantity = Check("/payments/qpay/seed-session", "post", await _harness.SeedAsync(user, WithLine(quantity: 0, price: 10.25m)), 400);
        Assert.Equal("cart[0].quantity", badQuantity.Body.GetProperty("field").GetString());
        var unavailable = Check("/payments/qpay/seed-session", "post", await _harness.SeedAsync(user, WithLine(quantity: 1, price: 10.25m, productId: "p-none")), 400);
        Assert.Equal("PRODUCT_UNAVAILABLE", unavailable.Error);
        var changed = Check("/payments/qpay/seed-session", "post", await _harness.SeedAsync(user, WithLine(quantity: 1, price: 9.99m)), 409);
        Assert.Equal("PRICE_CHANGED", changed.Error);
        var coupon = Check("/payments/qpay/seed-session", "post", await _harness.SeedAsync(user, WithLine(quantity: 1, price: 10.25m, coupon: "NO-SUCH-COUPON")), 422);
        Assert.Equal("COUPON_INVALID", coupon.Error);
        var wrongType = HttpRequests.Raw("POST", "{}", bearer: TestJwt.For(user));
        wrongType.ContentType = "text/plain";
        Check("/payments/qpay/seed-session", "post", await Call(seed.SeedSession, wrongType), 415);
        Check("/payments/qpay/seed-session", "post", await Call(seed.SeedSession, HttpRequests.Raw("POST", "{\"pad\":\"" + new string('x', 70_000) + "\"}", bearer: TestJwt.For(user))), 413);
        Check(Base + "/seed-session", "post", await Call(seed.InternalSeedSession, HttpRequests.Json("POST", new { sessionData = new { userId = user } }, headers: Internal)), 400);

        Check("/payments/qpay/cancel", "post", await _harness.CancelAsync(user, "no-such-session"), 404);
        var refund = await Call(_harness.Function<RefundFunctions>().RefundSession, HttpRequests.Json("POST", new { sessionId = "s", reason = "OTHER" }, headers: Internal));
        Assert.Equal("IDEMPOTENCY_KEY_REQUIRED", Check(Base + "/refund", "post", refund, 400).Error);
        Check(Base + "/refunds", "get", await _harness.PendingRefundsAsync("status=done"), 400);

        var admin = _harness.Function<AdminFunctions>();
        Check(Base + "/sessions/{sessionId}", "get", await Call((r, t) => admin.GetPaymentSession(r, "no-such-session", t), HttpRequests.Get(string.Empty, headers: Internal)), 404);
        Check(Base + "/sessions", "get", await Call(admin.ListPaymentSessions, HttpRequests.Get($"userId={user}&limit=0", headers: Internal)), 400);
        var poison = _harness.Function<PoisonFunctions>();
        Check(Base + "/poison", "get", await Call(poison.ListPoisonMessages, HttpRequests.Get("peek=1", headers: Internal)), 200);
        Check(Base + "/poison/replay", "post", await Call(poison.ReplayPoisonMessages, HttpRequests.Json("POST", new { queue = "nope" }, headers: Internal)), 400);

        var catalog = _harness.Function<CatalogFunctions>();
        var shop = "oa-shop-" + Guid.NewGuid().ToString("N")[..10];
        Check("/order/api/internal/catalog/products", "put", await Call(catalog.PutProducts, HttpRequests.Json("PUT", new { products = new[] { new { shopId = shop, productId = "p-1", salePrice = 3.5m } } }, headers: Internal)), 200);
        Check("/order/api/internal/catalog/products/{shopId}/{productId}", "get", await Call((r, t) => catalog.GetProduct(r, shop, "p-1", t), HttpRequests.Get(string.Empty, headers: Internal)), 200);
        Check("/order/api/internal/catalog/products/{shopId}/{productId}", "delete", await Call((r, t) => catalog.DeleteProduct(r, shop, "p-1", t), HttpRequests.Raw("DELETE", null, headers: Internal)), 200);
        Check("/order/api/internal/catalog/products/{shopId}/{productId}", "get", await Call((r, t) => catalog.GetProduct(r, shop, "p-1", t), HttpRequests.Get(string.Empty, headers: Internal)), 404);
        Check("/order/api/internal/catalog/coupons/{code}", "get", await Call((r, t) => catalog.GetCoupon(r, "SAVE2", t), HttpRequests.Get(string.Empty, headers: Internal)), 200);
        Check("/order/api/internal/catalog/products", "put", await Call(catalog.PutProducts, HttpRequests.Json("PUT", new { products = Array.Empty<object>() }, headers: Internal)), 400);

        Check("/health", "get", await Call((r, t) => _harness.Function<HealthFunction>().Run(r, t), HttpRequests.Get(string.Empty)), 200);
    }

    private static object WithLine(int quantity, decimal price, string productId = "p-mug", string? coupon = null) => new
    {
        cart = new[] { new { productId, quantity, sale_price = price, shopId = "shop-a" } },
        sellers = new[] { "shop-a" },
        totalAmount = quantity * price,
        coupon = coupon is null ? null : new { code = coupon, discountAmount = 0m },
    };

    private Task<Answer> StatusAsync(string user, string query) =>
        Call(_harness.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get(query, bearer: TestJwt.For(user)));

    private static Task<Answer> Call(Func<HttpRequest, CancellationToken, Task<IActionResult>> function, HttpRequest request) =>
        PaymentsHarness.InvokeAsync(function, request);

    /// <summary>Asserts the status, then the body against the document's schema of this path, method and status.</summary>
    private static Answer Check(string path, string method, Answer answer, int expectedStatus)
    {
        Assert.True(answer.Status == expectedStatus, $"{method.ToUpperInvariant()} {path}: expected {expectedStatus}, got {answer.Status}: {answer.Body.ValueKind switch { JsonValueKind.Undefined => answer.Text, _ => answer.Body.GetRawText() }}");
        OpenApiContract.AssertAnswer(path, method, answer.Status, answer.Body);
        return answer;
    }
}
