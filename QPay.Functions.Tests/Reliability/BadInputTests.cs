using System.Text;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Reliability;

/// <summary>
/// Hostile and broken requests across every endpoint, table-driven. Each gets its documented status
/// and error code or webhook reason (README "Endpoints"), and none changes a store: no session,
/// invoice, claim, order or queue message appears.
/// </summary>
public sealed class BadInputTests(BadInputTests.World world) : IClassFixture<BadInputTests.World>
{
    /// <summary>Sessions in known states, owned by <see cref="Owner"/>.</summary>
    public sealed class World : IAsyncLifetime
    {
        public const string Owner = "bad-input-owner";

        internal PaymentsHarness Harness { get; private set; } = null!;

        /// <summary>Seeded, unpaid.</summary>
        public string UnpaidSession { get; private set; } = null!;
        public string UnpaidInvoice { get; private set; } = null!;

        /// <summary>Seeded and paid at QPay, no callback yet: its payment id belongs to another invoice than <see cref="UnpaidInvoice"/>.</summary>
        public string PaidSession { get; private set; } = null!;
        public string PaidInvoice { get; private set; } = null!;
        public string PaidPaymentId { get; private set; } = null!;

        /// <summary>Paid, called back and processed.</summary>
        public string ProcessedSession { get; private set; } = null!;
        public string ProcessedInvoice { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Harness = await PaymentsHarness.StartAsync();
            (UnpaidSession, UnpaidInvoice) = await Harness.SeedTwoSellerSessionAsync(Owner);
            (PaidSession, PaidInvoice) = await Harness.SeedTwoSellerSessionAsync(Owner);
            PaidPaymentId = await Harness.PayAsync(PaidInvoice);
            (ProcessedSession, ProcessedInvoice) = await Harness.SeedTwoSellerSessionAsync(Owner);
            await Harness.CallbackAsync(ProcessedInvoice, await Harness.PayAsync(ProcessedInvoice));
            await Harness.ProcessOrderQueueAsync();
        }

        public async Task DisposeAsync() => await Harness.DisposeAsync();

        public string Query(string invoiceId) => Harness.CallbackUrl(invoiceId).Query.TrimStart('?');
    }

    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    private const string Cart =
        """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":5}""";

    /// <summary>Name → (request, expected HTTP status, expected error code or webhook reason, expected field).</summary>
    private static readonly Dictionary<string, (Func<World, Task<Answer>> Send, int Status, string Code, string? Field)> Cases = new()
    {
        // POST /payments/qpay/seed-session
        ["seed: broken JSON"] = (w => Seed(w, """{"cart": [""", "bad-user"), 400, "MALFORMED_JSON", null),
        ["seed: empty body"] = (w => Seed(w, "", "bad-user"), 400, "MALFORMED_JSON", null),
        ["seed: JSON null"] = (w => Seed(w, "null", "bad-user"), 400, "MALFORMED_JSON", null),
        ["seed: JSON array"] = (w => Seed(w, "[1,2]", "bad-user"), 400, "MALFORMED_JSON", null),
        ["seed: cart is an object"] = (w => Seed(w, """{"cart":{"productId":"p1"},"sellers":["s1"],"totalAmount":5}""", "bad-user"), 400, "MALFORMED_JSON", "cart"),
        ["seed: quantity is a string"] = (w => Seed(w, Cart.Replace("\"quantity\":1", "\"quantity\":\"1\""), "bad-user"), 400, "MALFORMED_JSON", "cart[0].quantity"),
        ["seed: totalAmount is a string"] = (w => Seed(w, Cart.Replace("\"totalAmount\":5", "\"totalAmount\":\"5\""), "bad-user"), 400, "MALFORMED_JSON", "totalAmount"),
        ["seed: price beyond decimal"] = (w => Seed(w, Cart.Replace("\"sale_price\":5", "\"sale_price\":1e40"), "bad-user"), 400, "MALFORMED_JSON", "cart[0].sale_price"),
        ["seed: form post instead of JSON"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().SeedSession, FormPost(Cart, TestJwt.For("bad-user"))), 415, "UNSUPPORTED_MEDIA_TYPE", null),
        ["seed: 70 KB body"] = (w => Seed(w, $$"""{"pad":"{{new string('x', 70_000)}}"}""", "bad-user"), 413, "BODY_TOO_LARGE", null),
        ["seed: nested 100 deep"] = (w => Seed(w, new string('[', 100) + new string(']', 100), "bad-user"), 400, "MALFORMED_JSON", null),
        ["seed: nested objects in a line"] = (w => Seed(w, Cart.Replace("\"productId\":\"p1\"", "\"productId\":{\"a\":{\"b\":{\"c\":1}}}"), "bad-user"), 400, "MALFORMED_JSON", "cart[0].productId"),
        ["seed: control character in productId"] = (w => Seed(w, Cart.Replace("\"p1\"", "\"p\\u0000\\n1\""), "bad-user"), 400, "VALIDATION_FAILED", "cart[0].productId"),
        ["seed: markup in shopId"] = (w => Seed(w, Cart.Replace("\"s1\"", "\"<script>alert(1)</script>\""), "bad-user"), 400, "VALIDATION_FAILED", "cart[0].shopId"),
        ["seed: OData injection in productId"] = (w => Seed(w, Cart.Replace("\"p1\"", "\"p1' or PartitionKey ne '\""), "bad-user"), 400, "VALIDATION_FAILED", "cart[0].productId"),
        ["seed: path characters in shippingAddressId"] = (w => Seed(w, Cart.Replace("\"totalAmount\":5", "\"totalAmount\":5,\"shippingAddressId\":\"../../etc\""), "bad-user"), 400, "VALIDATION_FAILED", "shippingAddressId"),
        ["seed: negative price"] = (w => Seed(w, Cart.Replace("\"sale_price\":5", "\"sale_price\":-5").Replace("\"totalAmount\":5", "\"totalAmount\":-5"), "bad-user"), 400, "VALIDATION_FAILED", "cart[0].sale_price"),
        ["seed: absurd price"] = (w => Seed(w, Cart.Replace("\"sale_price\":5", "\"sale_price\":99999999999").Replace("\"totalAmount\":5", "\"totalAmount\":99999999999"), "bad-user"), 400, "VALIDATION_FAILED", "cart[0].sale_price"),
        ["seed: quantity 1000"] = (w => Seed(w, Cart.Replace("\"quantity\":1", "\"quantity\":1000"), "bad-user"), 400, "VALIDATION_FAILED", "cart[0].quantity"),
        ["seed: total off by a cent"] = (w => Seed(w, Cart.Replace("\"totalAmount\":5", "\"totalAmount\":5.01"), "bad-user"), 400, "VALIDATION_FAILED", "totalAmount"),
        ["seed: coupon bigger than the cart"] = (w => Seed(w, Cart.Replace("\"totalAmount\":5", "\"totalAmount\":-1,\"coupon\":{\"code\":\"X\",\"discountAmount\":6}"), "bad-user"), 400, "VALIDATION_FAILED", "totalAmount"),
        ["seed: no JWT"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Raw("POST", Cart)), 401, "UNAUTHORIZED", null),
        ["seed: unsigned JWT (alg none)"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Raw("POST", Cart, bearer: UnsignedJwt(World.Owner))), 401, "UNAUTHORIZED", null),
        ["seed: JWT of another key"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Raw("POST", Cart, bearer: TestJwt.For(World.Owner, secret: "an-attackers-own-key-that-is-long-enough"))), 401, "UNAUTHORIZED", null),
        ["seed: expired JWT"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Raw("POST", Cart, bearer: TestJwt.For(World.Owner, expires: DateTime.UtcNow.AddHours(-1)))), 401, "UNAUTHORIZED", null),
        ["seed: JWT user id with a slash"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Raw("POST", Cart, bearer: TestJwt.For("a/b"))), 401, "UNAUTHORIZED", null),
        ["seed: ebarimt COMPANY without receiver"] = (w => Seed(w, WithEbarimt(Cart, """{"receiverType":"COMPANY"}"""), "bad-user"), 400, "VALIDATION_FAILED", "ebarimt.receiver"),
        ["seed: ebarimt receiverType ALIEN"] = (w => Seed(w, WithEbarimt(Cart, """{"receiverType":"ALIEN","receiver":"88614450"}"""), "bad-user"), 400, "VALIDATION_FAILED", "ebarimt.receiverType"),

        // POST /order/api/internal/payments/qpay/seed-session
        ["internal seed: no internal header"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().InternalSeedSession, HttpRequests.Raw("POST", """{"sessionData":{"userId":"u1"}}""")), 403, "FORBIDDEN", null),
        ["internal seed: header says false"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().InternalSeedSession, HttpRequests.Raw("POST", "{}", headers: new Dictionary<string, string> { ["x-internal-request"] = "false" })), 403, "FORBIDDEN", null),
        ["internal seed: no sessionData"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().InternalSeedSession, HttpRequests.Raw("POST", Cart, headers: Internal)), 400, "VALIDATION_FAILED", "sessionData"),
        ["internal seed: userId with #"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().InternalSeedSession, HttpRequests.Raw("POST", """{"sessionData":{"userId":"u#1","cart":[]}}""", headers: Internal)), 400, "VALIDATION_FAILED", "sessionData.userId"),
        ["internal seed: empty cart"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().InternalSeedSession, HttpRequests.Raw("POST", """{"sessionData":{"userId":"u1","cart":[],"sellers":[],"totalAmount":1}}""", headers: Internal)), 400, "VALIDATION_FAILED", "sessionData.cart"),
        ["internal seed: ebarimt districtCode of 2 digits"] = (w => Invoke(w, f => f.Function<SeedSessionFunctions>().InternalSeedSession, HttpRequests.Raw("POST", """{"sessionData":{"userId":"u1","cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":5,"ebarimt":{"receiverType":"CITIZEN","districtCode":"35"}}}""", headers: Internal)), 400, "VALIDATION_FAILED", "sessionData.ebarimt.districtCode"),

        // GET/POST /payments/qpay/webhook
        ["webhook: no query"] = (w => Webhook(w, ""), 200, "INVALID_TOKEN", null),
        ["webhook: forged token"] = (w => Webhook(w, $"sessionId={w.UnpaidSession}&token={new string('a', 64)}"), 200, "INVALID_TOKEN", null),
        ["webhook: token replayed onto another session"] = (w => Webhook(w, w.Query(w.UnpaidInvoice).Replace(w.UnpaidSession, w.ProcessedSession)), 200, "INVALID_TOKEN", null),
        ["webhook: injection in sessionId"] = (w => Webhook(w, "sessionId=x'%20or%20PartitionKey%20ne%20'&token=00"), 200, "INVALID_TOKEN", null),
        ["webhook: body naming another invoice"] = (w => Webhook(w, w.Query(w.UnpaidInvoice), $$"""{"invoiceId":"{{w.PaidInvoice}}","status":"PAID"}"""), 200, "INVOICE_MISMATCH", null),
        ["webhook: body invoice with markup"] = (w => Webhook(w, w.Query(w.UnpaidInvoice), """{"invoiceId":"<b>x</b>"}"""), 200, "INVOICE_MISMATCH", null),
        ["webhook: a real payment id of another invoice"] = (w => Webhook(w, w.Query(w.UnpaidInvoice) + "&qpay_payment_id=" + w.PaidPaymentId), 200, "NOT_PAID", null),
        ["webhook: payload claims paid"] = (w => Webhook(w, w.Query(w.UnpaidInvoice), $$$"""{"invoiceId":"{{{w.UnpaidInvoice}}}","status":"PAID","payload":{"paid_amount":79900}}"""), 200, "NOT_PAID", null),
        ["webhook: broken JSON body"] = (w => Webhook(w, w.Query(w.UnpaidInvoice), """{"invoiceId":"""), 200, "NOT_PAID", null),
        ["webhook: 1 MB body"] = (w => Webhook(w, w.Query(w.UnpaidInvoice), new string(' ', 1_000_000)), 200, "NOT_PAID", null),
        ["webhook: replay of a processed callback"] = (w => Webhook(w, w.Query(w.ProcessedInvoice) + "&qpay_payment_id=1"), 200, "DUPLICATE", null),

        // POST /order/api/internal/payments/qpay/webhook
        ["internal webhook: no internal header"] = (w => Invoke(w, f => f.Function<WebhookFunctions>().InternalQPayWebhook, HttpRequests.Raw("POST", "{}", query: $"sessionId={w.UnpaidSession}")), 403, "FORBIDDEN", null),
        ["internal webhook: no sessionId"] = (w => Invoke(w, f => f.Function<WebhookFunctions>().InternalQPayWebhook, HttpRequests.Raw("POST", "{}", headers: Internal)), 200, "SESSION_MISSING", null),
        ["internal webhook: control characters in sessionId"] = (w => Invoke(w, f => f.Function<WebhookFunctions>().InternalQPayWebhook, HttpRequests.Raw("POST", "{}", query: "sessionId=a%0d%0ab", headers: Internal)), 200, "SESSION_MISSING", null),
        ["internal webhook: unknown session"] = (w => Invoke(w, f => f.Function<WebhookFunctions>().InternalQPayWebhook, HttpRequests.Raw("POST", "{}", query: "sessionId=0123456789abcdef0123456789abcdef", headers: Internal)), 200, "SESSION_MISSING", null),

        // GET /payments/qpay/status
        ["status: no JWT"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}")), 401, "UNAUTHORIZED", null),
        ["status: tampered JWT"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}", bearer: TestJwt.For(World.Owner) + "x")), 401, "UNAUTHORIZED", null),
        ["status: no sessionId"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get("", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "sessionId"),
        ["status: another user's session"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}", bearer: TestJwt.For("intruder"))), 404, "NOT_FOUND", "sessionId"),
        ["status: markup as sessionId"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get("sessionId=%3Cscript%3E", bearer: TestJwt.For(World.Owner))), 404, "NOT_FOUND", "sessionId"),

        ["status: waitSec 0"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&waitSec=0", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "waitSec"),
        ["status: waitSec 26"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&waitSec=26", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "waitSec"),
        ["status: waitSec 2.5"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&waitSec=2.5", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "waitSec"),
        ["status: waitSec empty"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&waitSec=", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "waitSec"),
        ["status: known lower case"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&waitSec=2&known=pending", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "known"),
        ["status: known unknown without waitSec"] = (w => Invoke(w, f => f.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&known=DONE", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "known"),

        // GET /order/api/internal/payments/qpay/status
        ["internal status: no internal header"] = (w => Invoke(w, f => f.Function<StatusFunctions>().InternalPaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&userId={World.Owner}")), 403, "FORBIDDEN", null),
        ["internal status: no userId"] = (w => Invoke(w, f => f.Function<StatusFunctions>().InternalPaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}", headers: Internal)), 400, "VALIDATION_FAILED", "userId"),
        ["internal status: userId with a slash"] = (w => Invoke(w, f => f.Function<StatusFunctions>().InternalPaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&userId=a%2Fb", headers: Internal)), 400, "VALIDATION_FAILED", "userId"),
        ["internal status: waitSec -1"] = (w => Invoke(w, f => f.Function<StatusFunctions>().InternalPaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&userId={World.Owner}&waitSec=-1", headers: Internal)), 400, "VALIDATION_FAILED", "waitSec"),
        ["internal status: known unknown"] = (w => Invoke(w, f => f.Function<StatusFunctions>().InternalPaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&userId={World.Owner}&known=X", headers: Internal)), 400, "VALIDATION_FAILED", "known"),
        ["internal status: another user's session"] = (w => Invoke(w, f => f.Function<StatusFunctions>().InternalPaymentStatus, HttpRequests.Get($"sessionId={w.UnpaidSession}&userId=intruder", headers: Internal)), 404, "NOT_FOUND", "sessionId"),

        // GET /payments/qpay/ebarimt
        ["ebarimt: no token"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().GetEbarimt, HttpRequests.Get($"sessionId={w.ProcessedSession}")), 401, "UNAUTHORIZED", null),
        ["ebarimt: no sessionId"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().GetEbarimt, HttpRequests.Get("", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "sessionId"),
        ["ebarimt: another user's session"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().GetEbarimt, HttpRequests.Get($"sessionId={w.ProcessedSession}", bearer: TestJwt.For("intruder"))), 404, "NOT_FOUND", "sessionId"),

        // GET /order/api/internal/payments/qpay/ebarimt
        ["internal ebarimt: no internal header"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().InternalGetEbarimt, HttpRequests.Get($"sessionId={w.ProcessedSession}&userId={World.Owner}")), 403, "FORBIDDEN", null),
        ["internal ebarimt: no userId"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().InternalGetEbarimt, HttpRequests.Get($"sessionId={w.ProcessedSession}", headers: Internal)), 400, "VALIDATION_FAILED", "userId"),

        // POST /order/api/internal/payments/qpay/ebarimt/retry: nothing is queued again
        ["ebarimt retry: no internal header"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().RetryEbarimt, HttpRequests.Raw("POST", $$"""{"sessionId":"{{w.ProcessedSession}}"}""")), 403, "FORBIDDEN", null),
        ["ebarimt retry: broken JSON"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().RetryEbarimt, HttpRequests.Raw("POST", """{"sessionId":""", headers: Internal)), 400, "MALFORMED_JSON", null),
        ["ebarimt retry: no sessionId"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().RetryEbarimt, HttpRequests.Raw("POST", "{}", headers: Internal)), 400, "VALIDATION_FAILED", "sessionId"),
        ["ebarimt retry: unknown session"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().RetryEbarimt, HttpRequests.Raw("POST", """{"sessionId":"0123456789abcdef0123456789abcdef"}""", headers: Internal)), 404, "NOT_FOUND", "sessionId"),
        ["ebarimt retry: an unpaid session, no receipt"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().RetryEbarimt, HttpRequests.Raw("POST", $$"""{"sessionId":"{{w.UnpaidSession}}"}""", headers: Internal)), 409, "NOTHING_TO_RETRY", "sessionId"),
        ["ebarimt retry: a processed session, its receipt PENDING"] = (w => Invoke(w, f => f.Function<EbarimtFunctions>().RetryEbarimt, HttpRequests.Raw("POST", $$"""{"sessionId":"{{w.ProcessedSession}}"}""", headers: Internal)), 409, "NOTHING_TO_RETRY", "sessionId"),

        // POST /payments/qpay/cancel and its internal twin: nothing is cancelled
        ["cancel: no token"] = (w => Invoke(w, f => f.Function<CancelFunctions>().CancelSession, HttpRequests.Raw("POST", $$"""{"sessionId":"{{w.UnpaidSession}}"}""")), 401, "UNAUTHORIZED", null),
        ["cancel: broken JSON"] = (w => Invoke(w, f => f.Function<CancelFunctions>().CancelSession, HttpRequests.Raw("POST", """{"sessionId":""", bearer: TestJwt.For(World.Owner))), 400, "MALFORMED_JSON", null),
        ["cancel: no sessionId"] = (w => Invoke(w, f => f.Function<CancelFunctions>().CancelSession, HttpRequests.Raw("POST", "{}", bearer: TestJwt.For(World.Owner))), 400, "VALIDATION_FAILED", "sessionId"),
        ["cancel: sessionId is a number"] = (w => Invoke(w, f => f.Function<CancelFunctions>().CancelSession, HttpRequests.Raw("POST", """{"sessionId":42}""", bearer: TestJwt.For(World.Owner))), 400, "MALFORMED_JSON", "sessionId"),
        ["cancel: another user's session"] = (w => Invoke(w, f => f.Function<CancelFunctions>().CancelSession, HttpRequests.Raw("POST", $$"""{"sessionId":"{{w.UnpaidSession}}"}""", bearer: TestJwt.For("intruder"))), 404, "NOT_FOUND", "sessionId"),
        ["internal cancel: no internal header"] = (w => Invoke(w, f => f.Function<CancelFunctions>().InternalCancelSession, HttpRequests.Raw("POST", $$"""{"sessionId":"{{w.UnpaidSession}}","userId":"{{World.Owner}}"}""")), 403, "FORBIDDEN", null),
        ["internal cancel: no userId"] = (w => Invoke(w, f => f.Function<CancelFunctions>().InternalCancelSession, HttpRequests.Raw("POST", $$"""{"sessionId":"{{w.UnpaidSession}}"}""", headers: Internal)), 400, "VALIDATION_FAILED", "userId"),

        // GET /checkout/{file}: only the page's own files exist
        ["checkout file: unknown name"] = (w => Invoke(w, f => CheckoutFile(f, "secrets.json"), HttpRequests.Get("")), 404, "NOT_FOUND", null),
        ["checkout file: path traversal"] = (w => Invoke(w, f => CheckoutFile(f, "../host.json"), HttpRequests.Get("")), 404, "NOT_FOUND", null),
        ["checkout file: encoded traversal"] = (w => Invoke(w, f => CheckoutFile(f, "..%2F..%2Flocal.settings.json"), HttpRequests.Get("")), 404, "NOT_FOUND", null),
        ["checkout file: the embedded resource's full name"] = (w => Invoke(w, f => CheckoutFile(f, "QPay.Functions.CheckoutWidget.Assets.widget.js"), HttpRequests.Get("")), 404, "NOT_FOUND", null),
        ["checkout file: another case"] = (w => Invoke(w, f => CheckoutFile(f, "WIDGET.JS"), HttpRequests.Get("")), 404, "NOT_FOUND", null),

        // POST /order/api/internal/payments/qpay/refund: each case with a key of its own, nothing is refunded
        ["refund: no internal header"] = (w => Refund(w, RefundBody(w.ProcessedSession), internalHeader: false), 403, "FORBIDDEN", null),
        ["refund: no Idempotency-Key"] = (w => Refund(w, RefundBody(w.ProcessedSession), idempotencyKey: false), 400, "IDEMPOTENCY_KEY_REQUIRED", "Idempotency-Key"),
        ["refund: broken JSON"] = (w => Refund(w, """{"sessionId":"""), 400, "MALFORMED_JSON", null),
        ["refund: no sessionId"] = (w => Refund(w, """{"reason":"CUSTOMER_REQUEST"}"""), 400, "VALIDATION_FAILED", "sessionId"),
        ["refund: unknown reason"] = (w => Refund(w, RefundBody(w.ProcessedSession, reason: "BECAUSE")), 400, "VALIDATION_FAILED", "reason"),
        ["refund: note over 500 characters"] = (w => Refund(w, RefundBody(w.ProcessedSession, note: new string('n', RefundFunctions.MaxNoteLength + 1))), 400, "VALIDATION_FAILED", "note"),
        ["refund: shopId with a slash"] = (w => Refund(w, RefundBody(w.ProcessedSession, shopId: "shop-a/../shop-b")), 400, "VALIDATION_FAILED", "shopId"),
        ["refund: a PENDING session"] = (w => Refund(w, RefundBody(w.UnpaidSession)), 409, "NOT_REFUNDABLE", "sessionId"),
        ["refund: unknown session"] = (w => Refund(w, RefundBody("0123456789abcdef0123456789abcdef")), 404, "NOT_FOUND", "sessionId"),
        ["refund: shop that is not a seller"] = (w => Refund(w, RefundBody(w.ProcessedSession, shopId: "shop-nobody")), 400, "UNKNOWN_SHOP", "shopId"),

        // POST /order/api/internal/payments/qpay/refunds/{refundId}/settle
        ["settle: unknown refund"] = (w => Settle(w, $"{w.ProcessedSession}~payment-nope", """{"reference":"TRX-1"}"""), 404, "NOT_FOUND", "refundId"),
        ["settle: no reference"] = (w => Settle(w, $"{w.ProcessedSession}~payment-nope", "{}"), 400, "VALIDATION_FAILED", "reference"),
        ["settle: no internal header"] = (w => Settle(w, $"{w.ProcessedSession}~payment-nope", """{"reference":"TRX-1"}""", internalHeader: false), 403, "FORBIDDEN", null),

        // GET /order/api/internal/payments/qpay/refunds
        ["refunds: status done"] = (w => Refunds(w, "status=done"), 400, "VALIDATION_FAILED", "status"),
        ["refunds: pageSize 0"] = (w => Refunds(w, "status=pending&pageSize=0"), 400, "VALIDATION_FAILED", "pageSize"),
        ["refunds: no internal header"] = (w => Refunds(w, "status=pending", internalHeader: false), 403, "FORBIDDEN", null),
        ["refunds: garbage continuationToken"] = (w => Refunds(w, "status=pending&continuationToken=not-a-token-this-list-gave"), 400, "VALIDATION_FAILED", "continuationToken"),

        // GET /order/api/internal/payments/qpay/sessions/{sessionId}, GET .../sessions?userId=, POST .../sessions/{sessionId}/check
        ["admin session: no internal header"] = (w => AdminSession(w, w.UnpaidSession, internalHeader: false), 403, "FORBIDDEN", null),
        ["admin session: sessionId with #"] = (w => AdminSession(w, "a#b"), 400, "VALIDATION_FAILED", "sessionId"),
        ["admin session: unknown session"] = (w => AdminSession(w, "0123456789abcdef0123456789abcdef"), 404, "NOT_FOUND", "sessionId"),
        ["admin sessions: no internal header"] = (w => AdminSessions(w, $"userId={World.Owner}", internalHeader: false), 403, "FORBIDDEN", null),
        ["admin sessions: no userId"] = (w => AdminSessions(w, "limit=10"), 400, "VALIDATION_FAILED", "userId"),
        ["admin sessions: userId with a slash"] = (w => AdminSessions(w, "userId=a%2Fb"), 400, "VALIDATION_FAILED", "userId"),
        ["admin sessions: limit 0"] = (w => AdminSessions(w, $"userId={World.Owner}&limit=0"), 400, "VALIDATION_FAILED", "limit"),
        ["admin sessions: limit 101"] = (w => AdminSessions(w, $"userId={World.Owner}&limit=101"), 400, "VALIDATION_FAILED", "limit"),
        ["admin sessions: limit -5"] = (w => AdminSessions(w, $"userId={World.Owner}&limit=-5"), 400, "VALIDATION_FAILED", "limit"),
        ["admin sessions: garbage cursor"] = (w => AdminSessions(w, $"userId={World.Owner}&cursor=not-a-cursor-this-list-gave"), 400, "VALIDATION_FAILED", "cursor"),
        ["admin sessions: cursor with OData"] = (w => AdminSessions(w, $"userId={World.Owner}&cursor=%27%20or%201%20eq%201"), 400, "VALIDATION_FAILED", "cursor"),
        ["admin check: no internal header"] = (w => AdminCheck(w, w.UnpaidSession, internalHeader: false), 403, "FORBIDDEN", null),
        ["admin check: sessionId with #"] = (w => AdminCheck(w, "a#b"), 400, "VALIDATION_FAILED", "sessionId"),
        ["admin check: unknown session"] = (w => AdminCheck(w, "0123456789abcdef0123456789abcdef"), 404, "NOT_FOUND", "sessionId"),

        // GET /order/api/internal/payments/qpay/poison, POST .../poison/replay
        ["poison: no internal header"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ListPoisonMessages, HttpRequests.Get("")), 403, "FORBIDDEN", null),
        ["poison: peek 0"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ListPoisonMessages, HttpRequests.Get("peek=0", headers: Internal)), 400, "VALIDATION_FAILED", "peek"),
        ["poison: peek 33"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ListPoisonMessages, HttpRequests.Get("peek=33", headers: Internal)), 400, "VALIDATION_FAILED", "peek"),
        ["poison replay: no internal header"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", """{"queue":"orders"}""")), 403, "FORBIDDEN", null),
        ["poison replay: broken JSON"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", """{"queue":""", headers: Internal)), 400, "MALFORMED_JSON", null),
        ["poison replay: no queue"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", "{}", headers: Internal)), 400, "VALIDATION_FAILED", "queue"),
        ["poison replay: a queue the app does not have"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", """{"queue":"someone-elses-queue"}""", headers: Internal)), 400, "VALIDATION_FAILED", "queue"),
        ["poison replay: max 0"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", """{"queue":"orders","max":0}""", headers: Internal)), 400, "VALIDATION_FAILED", "max"),
        ["poison replay: max 33"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", """{"queue":"orders","max":33}""", headers: Internal)), 400, "VALIDATION_FAILED", "max"),
        ["poison replay: max is a fraction"] = (w => Invoke(w, f => f.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", """{"queue":"orders","max":2.5}""", headers: Internal)), 400, "MALFORMED_JSON", "max"),

        // GET and POST /order/api/internal/payments/qpay/ledger/{date}: nothing is run
        ["ledger: month 13"] = (w => Ledger(w, "2026-13-01"), 400, "INVALID_DATE", "date"),
        ["ledger: not a date"] = (w => Ledger(w, "yesterday"), 400, "INVALID_DATE", "date"),
        ["ledger: date with a time"] = (w => Ledger(w, "2026-01-14T00:00:00Z"), 400, "INVALID_DATE", "date"),
        ["ledger: tomorrow"] = (w => Ledger(w, Tomorrow()), 400, "INVALID_DATE", "date"),
        ["ledger: more than ten years ago"] = (w => Ledger(w, "0001-01-01"), 400, "INVALID_DATE", "date"),
        ["ledger: a day never checked"] = (w => Ledger(w, "2020-01-01"), 404, "NOT_FOUND", "date"),
        ["ledger: no internal header"] = (w => Ledger(w, "2020-01-01", internalHeader: false), 403, "FORBIDDEN", null),
        ["ledger run: February 30"] = (w => RunLedger(w, "2026-02-30"), 400, "INVALID_DATE", "date"),
        ["ledger run: tomorrow"] = (w => RunLedger(w, Tomorrow()), 400, "INVALID_DATE", "date"),
        ["ledger run: the first day of year 1"] = (w => RunLedger(w, "0001-01-01"), 400, "INVALID_DATE", "date"),
        ["ledger run: no internal header"] = (w => RunLedger(w, "2020-01-01", internalHeader: false), 403, "FORBIDDEN", null),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Fact]
    public void The_suite_has_at_least_forty_requests_over_every_endpoint()
    {
        Assert.True(Cases.Count >= 40, $"{Cases.Count} cases");
        foreach (var endpoint in new[] { "seed:", "internal seed:", "webhook:", "internal webhook:", "status:", "internal status:", "cancel:", "internal cancel:", "refund:", "settle:", "refunds:", "ebarimt:", "internal ebarimt:", "ebarimt retry:", "admin session:", "admin sessions:", "admin check:", "poison:", "poison replay:", "ledger:", "ledger run:" })
        {
            Assert.Contains(Cases.Keys, name => name.StartsWith(endpoint, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_processed_session_has_the_pending_receipt_the_retry_cases_rely_on()
    {
        var receipt = Assert.Single(await world.Harness.Get<IReceiptStore>().ListAsync(world.ProcessedSession, default));

        Assert.Equal(ReceiptStatus.Pending, receipt.Status);
        Assert.Empty(await world.Harness.Get<IReceiptStore>().ListAsync(world.UnpaidSession, default));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_request_gets_its_documented_answer_and_changes_no_store(string name)
    {
        var (send, status, code, field) = Cases[name];
        var before = await SnapshotAsync();

        var answer = await send(world);
        var after = await SnapshotAsync();

        Assert.Equal(status, answer.Status);
        Assert.Equal(code, status == StatusCodes.Status200OK ? answer.Reason : answer.Error);
        if (status != StatusCodes.Status200OK)
        {
            Assert.False(string.IsNullOrWhiteSpace(answer.Body.GetProperty("message").GetString()));
        }

        if (field is not null)
        {
            Assert.Equal(field, answer.Body.GetProperty("field").GetString());
        }

        Assert.Equal(before, after);
    }

    /// <summary>What a bad request must not change: sessions, invoices, claims, orders, e-receipts, queued messages.</summary>
    private async Task<string> SnapshotAsync()
    {
        var harness = world.Harness;
        var sessions = await harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var sessionRows = new List<string>();
        foreach (var user in new[] { World.Owner, "bad-user", "u1", "intruder" })
        {
            await foreach (var row in sessions.QueryAsync<TableEntity>(e => e.GetString("UserId") == user))
            {
                sessionRows.Add($"{row.PartitionKey}:{row.GetString("Status")}:{row.GetInt32("Version")}");
            }
        }

        var claims = harness.Get<IProcessedInvoiceStore>();
        var claimStates = new List<string>();
        foreach (var (session, invoice) in new[] { (world.UnpaidSession, world.UnpaidInvoice), (world.PaidSession, world.PaidInvoice), (world.ProcessedSession, world.ProcessedInvoice) })
        {
            claimStates.Add((await claims.GetAsync(session, invoice, default))?.State.ToString() ?? "none");
        }

        var receipts = new List<string>();
        foreach (var session in new[] { world.UnpaidSession, world.ProcessedSession })
        {
            receipts.AddRange((await harness.Get<IReceiptStore>().ListAsync(session, default)).Select(r => $"{r.SessionId}:{r.PaymentId}:{r.Status}:{r.Attempts}"));
        }

        var receiptQueue = harness.ReceiptQueue();
        var queuedReceipts = await receiptQueue.ExistsAsync() ? (await receiptQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
        var orders = await harness.Get<IOrderStore>().ListForUserAsync(World.Owner, default);
        return string.Join('|',
            string.Join(',', sessionRows.Order()),
            string.Join(',', claimStates),
            orders.Count,
            string.Join(',', receipts.Order()),
            harness.Sandbox.State.Invoices.Count,
            harness.Sandbox.Stats.GetValueOrDefault(QPay.Sandbox.Api.EndpointKeys.EbarimtCreate),
            await harness.QueuedOrderMessagesAsync(),
            queuedReceipts);
    }

    /// <summary>The checkout <paramref name="checkout"/> (a JSON object) with this <c>ebarimt</c> field.</summary>
    private static string WithEbarimt(string checkout, string ebarimt) => checkout[..^1] + ",\"ebarimt\":" + ebarimt + "}";

    private static Task<Answer> Seed(World world, string body, string userId) =>
        Invoke(world, f => f.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Raw("POST", body, bearer: TestJwt.For(userId)));

    private static Task<Answer> Webhook(World world, string query, string? body = null) =>
        Invoke(world, f => f.Function<WebhookFunctions>().QPayWebhook, body is null ? HttpRequests.Get(query) : HttpRequests.Raw("POST", body, query: query));

    private static Func<HttpRequest, CancellationToken, Task<Microsoft.AspNetCore.Mvc.IActionResult>> CheckoutFile(PaymentsHarness harness, string file) =>
        (request, _) => Task.FromResult(harness.Function<CheckoutFunctions>().CheckoutFile(request, file));

    private static Task<Answer> Invoke(World world, Func<PaymentsHarness, Func<HttpRequest, CancellationToken, Task<Microsoft.AspNetCore.Mvc.IActionResult>>> function, HttpRequest request) =>
        PaymentsHarness.InvokeAsync(function(world.Harness), request);

    private static Task<Answer> Refund(World world, string body, bool internalHeader = true, bool idempotencyKey = true)
    {
        var headers = new Dictionary<string, string>();
        if (internalHeader)
        {
            headers["x-internal-request"] = "true";
        }

        if (idempotencyKey)
        {
            headers["Idempotency-Key"] = "bad-input-" + Guid.NewGuid().ToString("N");
        }

        return Invoke(world, f => f.Function<RefundFunctions>().RefundSession, HttpRequests.Raw("POST", body, headers: headers));
    }

    private static string RefundBody(string sessionId, string? shopId = null, string reason = "CUSTOMER_REQUEST", string? note = null) =>
        System.Text.Json.JsonSerializer.Serialize(new { sessionId, shopId, reason, note }, System.Text.Json.JsonSerializerOptions.Web);

    private static Task<Answer> Settle(World world, string refundId, string body, bool internalHeader = true) =>
        Invoke(
            world,
            f => (request, token) => f.Function<RefundFunctions>().SettleRefund(request, refundId, token),
            HttpRequests.Raw("POST", body, headers: internalHeader ? Internal : null));

    private static Task<Answer> Refunds(World world, string query, bool internalHeader = true) =>
        Invoke(world, f => f.Function<RefundFunctions>().ListRefunds, HttpRequests.Get(query, headers: internalHeader ? Internal : null));

    private static Task<Answer> AdminSession(World world, string sessionId, bool internalHeader = true) =>
        Invoke(world, f => (request, token) => f.Function<AdminFunctions>().GetPaymentSession(request, sessionId, token), HttpRequests.Get("", headers: internalHeader ? Internal : null));

    private static Task<Answer> AdminSessions(World world, string query, bool internalHeader = true) =>
        Invoke(world, f => f.Function<AdminFunctions>().ListPaymentSessions, HttpRequests.Get(query, headers: internalHeader ? Internal : null));

    private static Task<Answer> AdminCheck(World world, string sessionId, bool internalHeader = true) =>
        Invoke(world, f => (request, token) => f.Function<AdminFunctions>().CheckPaymentSession(request, sessionId, token), HttpRequests.Raw("POST", null, headers: internalHeader ? Internal : null));
    private static Task<Answer> Ledger(World world, string date, bool internalHeader = true) =>
        Invoke(
            world,
            f => (request, token) => f.Function<LedgerFunctions>().GetLedgerRun(request, date, token),
            HttpRequests.Get(string.Empty, headers: internalHeader ? Internal : null));

    private static Task<Answer> RunLedger(World world, string date, bool internalHeader = true) =>
        Invoke(
            world,
            f => (request, token) => f.Function<LedgerFunctions>().RunLedgerCheck(request, date, token),
            HttpRequests.Raw("POST", null, headers: internalHeader ? Internal : null));

    private static string Tomorrow() => DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static HttpRequest FormPost(string body, string jwt)
    {
        var request = HttpRequests.Raw("POST", body, bearer: jwt);
        request.ContentType = "application/x-www-form-urlencoded";
        return request;
    }

    private static string UnsignedJwt(string userId)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return $"{Part("""{"alg":"none","typ":"JWT"}""")}.{Part($$$"""{"sub":"{{{userId}}}","iss":"{{{TestJwt.LocalIssuer}}}","aud":"{{{TestJwt.LocalAudience}}}","exp":{{{exp}}}}""")}.";
    }
}
