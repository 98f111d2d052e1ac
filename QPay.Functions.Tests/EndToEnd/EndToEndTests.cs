using System.Net;
using System.Text.Json;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Storage;
using QPay.Functions.Tests.FunctionsHost;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using StackExchange.Redis;

namespace QPay.Functions.Tests.EndToEnd;

/// <summary>
/// The seed's three scenarios and the poison path, through the real compiled worker: HTTP on the
/// host's port, QPay's callback as an HTTP GET from the sandbox, the order queue fed by the host.
/// Carts are priced from the demo catalogue the stack loaded through the catalogue routes.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class EndToEndTests(EndToEndStack stack) : IClassFixture<EndToEndStack>
{
    [Fact]
    public async Task Payment_verification_from_seed_session_to_processed_orders()
    {
        var user = User("e2e-pay");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        var pending = await stack.WaitForStatusAsync(user, sessionId, "PENDING");

        var payment = await stack.PayAsync(invoiceId);
        var processed = await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");

        Assert.Equal(Carts.TwoSellersMnt, pending.GetProperty("expectedAmount").GetDecimal());
        Assert.Equal(200, payment.GetProperty("callbackStatus").GetInt32());
        Assert.Equal("SUCCESS", payment.GetProperty("callbackBody").GetString());
        var deliveries = Assert.Single(stack.Sandbox.State.FindInvoice(invoiceId)!.Payments).Callbacks;
        Assert.Equal(2, deliveries.Count); // the callback and the sandbox's duplicate, both acknowledged
        Assert.All(deliveries, d => Assert.True(d.Acknowledged));
        Assert.Equal(Carts.TwoSellersMnt, processed.GetProperty("paidAmount").GetDecimal());
        var orderIds = processed.GetProperty("orderIds").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(OrderIds.For(invoiceId, ["shop-a", "shop-b"]), orderIds);
        var orders = await OrdersOf(user);
        Assert.Equal(orderIds.Order(), orders.Order());
        Assert.Contains(stack.Host.Invocations, i => i.FunctionName == "CreateOrders" && i.Succeeded);
    }

    [Fact]
    public async Task A_paid_session_gets_one_registered_e_receipt_shown_by_status_and_the_ebarimt_route_without_the_receivers_phone()
    {
        const string phone = "88614450";
        var user = User("e2e-ebarimt");
        await stack.ReceiptsSettledAsync(); // the sandbox is the class's: earlier payments' receipts must not count below
        var createCallsBefore = await stack.SandboxCallsAsync(EndpointKeys.EbarimtCreate);
        var (sessionId, invoiceId) = await stack.SeedAsync(user, ebarimt: new { receiverType = "CITIZEN", receiver = phone });

        var payment = await stack.PayAsync(invoiceId);
        var paymentId = payment.GetProperty("paymentId").GetString()!;
        await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");
        var status = await stack.WaitForReceiptAsync(user, sessionId, "REGISTERED");
        var createCallsAfter = await stack.SandboxCallsAsync(EndpointKeys.EbarimtCreate);
        using var read = await Eventually.ResultAsync(() => stack.EbarimtAsync(user, sessionId), r => r.StatusCode != HttpStatusCode.TooManyRequests);
        var readBody = await read.Content.ReadAsStringAsync();

        var issued = stack.Sandbox.State.FindReceipt(paymentId);
        Assert.NotNull(issued);
        Assert.Equal(("CITIZEN", phone), (issued.ReceiverType, issued.Receiver)); // QPay was told whom the receipt is for

        var shown = status.GetProperty("ebarimt");
        Assert.Equal("REGISTERED", shown.GetProperty("status").GetString());
        Assert.Equal(issued.ReceiptId, shown.GetProperty("receiptId").GetString());
        Assert.Equal(issued.QrData, shown.GetProperty("qrData").GetString());
        Assert.False(string.IsNullOrEmpty(shown.GetProperty("receiptId").GetString()));
        Assert.False(string.IsNullOrEmpty(shown.GetProperty("qrData").GetString()));
        Assert.Equal(Carts.TwoSellersMnt, shown.GetProperty("amount").GetDecimal());
        Assert.False(shown.TryGetProperty("receipts", out _)); // one payment, one receipt: no list

        Assert.True(read.StatusCode == HttpStatusCode.OK, readBody);
        var answer = JsonDocument.Parse(readBody).RootElement;
        Assert.True(answer.GetProperty("ok").GetBoolean());
        Assert.Equal(sessionId, answer.GetProperty("sessionId").GetString());
        Assert.Equal("PROCESSED", answer.GetProperty("status").GetString());
        Assert.Equal(invoiceId, answer.GetProperty("invoiceId").GetString());
        Assert.Equal(paymentId, answer.GetProperty("paymentId").GetString());
        var receipt = answer.GetProperty("ebarimt");
        Assert.Equal("REGISTERED", receipt.GetProperty("status").GetString());
        Assert.Equal(issued.ReceiptId, receipt.GetProperty("receiptId").GetString());
        Assert.Equal(issued.QrData, receipt.GetProperty("qrData").GetString());
        Assert.Equal(JsonValueKind.String, receipt.GetProperty("createdAt").ValueKind);
        Assert.True(receipt.GetProperty("createdAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));

        // The worker's log line of the issue arrives over its log stream, perhaps after the status said REGISTERED.
        var issuedLine = $"Session {sessionId} payment {paymentId}: e-receipt issued";
        await Eventually.UntilAsync(() => stack.Host.Logs.Any(l => l.Message.Contains(issuedLine, StringComparison.Ordinal)), "the worker's e-receipt issued line");
        var logs = stack.Host.Logs;
        Assert.Single(logs, l => l.Message.Contains(issuedLine, StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Message.Contains($"payment {paymentId}: e-receipt issue failed", StringComparison.Ordinal));
        Assert.DoesNotContain(phone, status.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(phone, readBody, StringComparison.Ordinal);
        Assert.DoesNotContain(logs, l => l.ToString().Contains(phone, StringComparison.Ordinal));
        Assert.Equal(1, createCallsAfter - createCallsBefore);
    }

    [Fact]
    public async Task Database_fallback_processes_a_callback_after_the_redis_session_is_gone()
    {
        var user = User("e2e-fallback");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        var redis = await ConnectionMultiplexer.ConnectAsync(LocalStack.RedisConfiguration);
        Assert.True(await redis.GetDatabase().KeyDeleteAsync($"payment-session:{sessionId}"));

        var payment = await stack.PayAsync(invoiceId);
        await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");

        Assert.Equal("SUCCESS", payment.GetProperty("callbackBody").GetString());
        Assert.Contains(stack.Host.Logs, l => l.Message.Contains($"Session loaded from database: {sessionId}", StringComparison.Ordinal));
        Assert.Equal(2, (await OrdersOf(user)).Count);
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task Status_polling_answers_each_status_and_is_rate_limited_per_user()
    {
        var user = User("e2e-status");
        var (sessionId, _) = await stack.SeedAsync(user);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i <= EndToEndStack.StatusRateLimit; i++)
        {
            answers.Add(await stack.StatusAsync(user, sessionId));
        }

        Assert.All(answers.Take(EndToEndStack.StatusRateLimit), a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var limited = answers[^1];
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("RATE_LIMITED", JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        var otherUser = await stack.StatusAsync(User("e2e-status-other"), sessionId);
        Assert.Equal(HttpStatusCode.NotFound, otherUser.StatusCode);
    }

    [Fact]
    public async Task A_waiting_status_request_answers_the_payment_through_the_host_in_a_few_requests()
    {
        var user = User("e2e-live");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(LocalStack.RedisConfiguration);

        var known = "PENDING";
        var requests = 0;
        var slowest = TimeSpan.Zero;
        var waiting = LiveStatusAsync(user, sessionId, known);
        await Eventually.UntilAsync(
            async () => (long)((RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", RedisKeys.SessionStatusChannel(sessionId)))!)[1] > 0,
            "the waiting request's subscription");
        await stack.PayAsync(invoiceId);
        while (true)
        {
            var (status, elapsed) = await waiting;
            requests++;
            slowest = elapsed > slowest ? elapsed : slowest;
            known = status;
            if (known == "PROCESSED" || requests == 10)
            {
                break;
            }

            waiting = LiveStatusAsync(user, sessionId, known);
        }

        // Answered this soon, the payment's e-receipt may not be asked for yet: it must not land in the e-receipt test's counts.
        await stack.WaitForReceiptAsync(user, sessionId, "REGISTERED");

        Assert.Equal("PROCESSED", known);
        Assert.InRange(requests, 1, 3); // PENDING→PAID→PROCESSED at most, each woken by its change
        Assert.True(slowest < TimeSpan.FromSeconds(20), $"a request waited {slowest}, its whole waitSec");
    }

    /// <summary>GET status with waitSec=20 and <paramref name="known"/>: its status and how long it took.</summary>
    private async Task<(string Status, TimeSpan Elapsed)> LiveStatusAsync(string user, string sessionId, string known)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"payments/qpay/status?sessionId={sessionId}&waitSec=20&known={known}");
        request.Headers.Authorization = new("Bearer", TestJwt.For(user));
        using var response = await stack.App.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString()!;
        return (status, clock.Elapsed);
    }

    [Fact]
    public async Task Order_creation_failing_every_time_lands_in_the_poison_queue_after_max_dequeue_count_never_to_expire()
    {
        var missing = "missing-" + Guid.NewGuid().ToString("N");
        var body = $$"""{"sessionId":"{{missing}}","invoiceId":"{{missing}}"}""";
        await EndToEndStack.OrderQueue.CreateIfNotExistsAsync();

        var sent = (await EndToEndStack.OrderQueue.SendMessageAsync(body)).Value.MessageId;
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var last = await stack.Host.WaitForInvocationAsync(
            i => i.FunctionName == "CreateOrders" && i.QueueMessageId == sent && i.DequeueCount == OrderCreationService.MaxDequeueCount, patience.Token);

        // The last attempt kept the message on the poison queue itself and completed: the host only deletes it.
        Assert.True(last.Succeeded, last.ExceptionDetails);
        Assert.False(last.MovedToPoisonQueue);
        var attempts = stack.Host.Invocations.Where(i => i.FunctionName == "CreateOrders" && i.QueueMessageId == sent).ToList();
        Assert.Equal([1L, 2, 3, 4, 5], attempts.Select(a => a.DequeueCount ?? 0));
        Assert.All(attempts.SkipLast(1), a => Assert.False(a.Succeeded));
        var expiresOn = await TakePoisonMessageAsync(body);
        Assert.True(expiresOn is not null, "the message is not in the poison queue");
        Payments.Operations.PoisonKeepingTests.AssertNeverExpires(expiresOn);
        Assert.Contains(stack.Host.Logs, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Message.Contains(missing) && l.Message.Contains("poison queue"));
    }

    [Fact]
    public async Task Internal_routes_need_the_function_key_and_the_internal_header()
    {
        var route = "order/api/internal/payments/qpay/status?sessionId=abc&userId=u";

        using var noKey = await stack.App.SendAsync(Request(HttpMethod.Get, route, key: null, internalHeader: true));
        using var noHeader = await stack.App.SendAsync(Request(HttpMethod.Get, route, key: EndToEndStack.FunctionKey, internalHeader: false));
        using var both = await stack.App.SendAsync(Request(HttpMethod.Get, route, key: EndToEndStack.FunctionKey, internalHeader: true));

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noHeader.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, both.StatusCode); // authorised; no such session
    }

    [Fact]
    public async Task Worker_logs_of_a_whole_flow_hold_no_jwt_webhook_token_or_qr_payload()
    {
        var user = User("e2e-hygiene");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        await stack.PayAsync(invoiceId);
        await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");
        var invoice = stack.Sandbox.State.FindInvoice(invoiceId)!;
        var token = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(invoice.CallbackUrl!).Query)["token"].ToString();

        var lines = stack.Host.Logs.Where(l => l.Source != QPay.FunctionsHost.HostLogSource.Host).Select(l => $"{l.Category} {l.Message}").ToList();

        Assert.Contains(lines, l => l.Contains(sessionId));
        Assert.DoesNotContain(lines, l => l.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("token=", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Contains("eyJ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(invoice.QrText, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_answers_200_through_the_host()
    {
        using var response = await Eventually.HealthyAsync(stack.App);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("test-qpay-payment-verification.sh")]
    [InlineData("test-qpay-db-fallback.sh")]
    [InlineData("test-qpay-status-endpoint.sh")]
    public async Task Seed_test_script_passes_against_the_running_stack(string script)
    {
        var (exitCode, output, errors) = await BashAsync([TestPaths.InRepository("scripts", script)], new Dictionary<string, string>
        {
            ["APP_URL"] = AppUrl,
            ["SANDBOX_URL"] = stack.Sandbox.BaseUrl.ToString().TrimEnd('/'),
            ["REDIS_PORT"] = LocalStack.RedisPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["QPAY_SETTINGS_FILE"] = TestPaths.InRepository("local.settings.sample.json"),
            ["STATUS_RATE_LIMIT_PER_MINUTE"] = EndToEndStack.StatusRateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        Assert.True(exitCode == 0, $"{script} exited {exitCode}:\n{output}\n{errors}");
        Assert.Contains("all checks passed", output);
    }

    [Fact]
    public async Task Seed_card_internal_seed_session_is_invoiced_340000_mnt_from_the_catalogue_paid_and_processed()
    {
        // The seed card's own request, byte for byte: 1 × 100 USD at 3400 MNT/USD.
        const string seedCard = """{"sessionData":{"userId":"test123","cart":[{"productId":"677e7b5c8f9a1b2c3d4e5f6a","quantity":1,"sale_price":100,"shopId":"shop1"}],"sellers":["shop1"],"totalAmount":100}}""";

        using var seeded = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Post, InternalSeedRoute, JsonText(seedCard)));
        var answer = await seeded.Content.ReadAsStringAsync();
        Assert.True(seeded.StatusCode == HttpStatusCode.OK, answer);
        using var json = JsonDocument.Parse(answer);
        var sessionId = json.RootElement.GetProperty("sessionId").GetString()!;
        var invoiceId = json.RootElement.GetProperty("invoice").GetProperty("invoiceId").GetString()!;
        var invoice = stack.Sandbox.State.FindInvoice(invoiceId)!;
        Assert.Equal(340_000m, invoice.Amount);
        Assert.Equal(sessionId, invoice.SenderInvoiceNo);

        var payment = await stack.PayAsync(invoiceId);
        var processed = await stack.WaitForStatusAsync("test123", sessionId, "PROCESSED");

        Assert.Equal("SUCCESS", payment.GetProperty("callbackBody").GetString());
        Assert.Equal(340_000m, processed.GetProperty("expectedAmount").GetDecimal());
        Assert.Equal(340_000m, processed.GetProperty("paidAmount").GetDecimal());
        var orderId = Assert.Single(processed.GetProperty("orderIds").EnumerateArray()).GetString()!;
        Assert.Equal(OrderIds.For(invoiceId, ["shop1"]), new[] { orderId });
        Assert.Contains(orderId, await OrdersOf("test123"));
    }

    [Fact]
    public async Task A_customer_cancels_a_pending_session_and_its_invoice_is_cancelled_at_qpay()
    {
        var user = "e2e-cancel-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "payments/qpay/cancel") { Content = JsonText($$"""{"sessionId":"{{sessionId}}"}""") };
        request.Headers.Authorization = new("Bearer", TestJwt.For(user));

        using var cancelled = await stack.App.SendAsync(request);
        var answer = await cancelled.Content.ReadAsStringAsync();
        using var twice = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Post, "order/api/internal/payments/qpay/cancel", new { sessionId, userId = user }));

        Assert.True(cancelled.StatusCode == HttpStatusCode.OK, answer);
        Assert.Equal("CANCELLED", JsonDocument.Parse(answer).RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        Assert.Equal(QPay.Sandbox.SandboxInvoiceStatus.Canceled, stack.Sandbox.State.FindInvoice(invoiceId)!.Status);
        var status = await stack.WaitForStatusAsync(user, sessionId, "CANCELLED");
        Assert.True(status.TryGetProperty("cancelledAt", out _));
    }

    [Fact]
    public async Task The_reconcilers_own_timer_and_queue_trigger_expire_an_unpaid_session_and_finish_one_whose_callback_was_lost()
    {
        var user = "e2e-expiry-" + Guid.NewGuid().ToString("N")[..8];
        var seed = $$$"""{"sessionData":{"userId":"{{{user}}}","ttlSec":60,"cart":[{"productId":"677e7b5c8f9a1b2c3d4e5f6a","quantity":1,"sale_price":100,"shopId":"shop1"}],"sellers":["shop1"],"totalAmount":100}}""";
        var seeded = new List<(string SessionId, string InvoiceId)>();
        for (var i = 0; i < 2; i++)
        {
            using var answer = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Post, InternalSeedRoute, JsonText(seed)));
            var body = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal(60, json.RootElement.GetProperty("ttlSec").GetInt32());
            seeded.Add((json.RootElement.GetProperty("sessionId").GetString()!, json.RootElement.GetProperty("invoice").GetProperty("invoiceId").GetString()!));
        }

        var (unpaid, unpaidInvoice) = seeded[0];
        var (paid, paidInvoice) = seeded[1];
        await stack.PayAsync(paidInvoice, callback: false); // QPay took the money; its callback never arrives

        // The host fires the reconciler's timer trigger through the worker, as its schedule would (this stack
        // keeps schedules off, so other tests' sessions are not visited); the timer hands each session due (at
        // its minute's end) to the reconcile queue, and the host's queue trigger visits it.
        var sessions = new Azure.Data.Tables.TableClient(LocalStack.StorageConnectionString, StorageNames.PaymentSessionsTable);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60) + Eventually.Patience; // the sessions' minute, then the usual patience
        string[] statuses;
        do
        {
            await Task.Delay(1000);
            var timer = await stack.Host.RunTimerAsync("ReconcilePayments");
            Assert.True(timer.Succeeded, timer.ExceptionMessage);
            var rows = await Task.WhenAll(seeded.Select(s => sessions.GetEntityAsync<Azure.Data.Tables.TableEntity>(s.SessionId, "session")));
            statuses = rows.Select(r => r.Value.GetString("Status") ?? "").ToArray();
        }
        while (statuses is not ["Expired", "Processed"] && DateTime.UtcNow < deadline);

        Assert.Equal(["Expired", "Processed"], statuses);

        Assert.Equal("EXPIRED", (await stack.WaitForStatusAsync(user, unpaid, "EXPIRED")).GetProperty("status").GetString());
        Assert.Equal(QPay.Sandbox.SandboxInvoiceStatus.Canceled, stack.Sandbox.State.FindInvoice(unpaidInvoice)!.Status);
        var processed = await stack.WaitForStatusAsync(user, paid, "PROCESSED");
        Assert.Single(processed.GetProperty("orderIds").EnumerateArray());
        Assert.NotEqual(QPay.Sandbox.SandboxInvoiceStatus.Canceled, stack.Sandbox.State.FindInvoice(paidInvoice)!.Status); // found paid by the expiry's last check
    }

    [Fact]
    public async Task Cart_priced_at_one_cent_is_409_price_changed_with_the_catalogue_price_and_creates_no_invoice()
    {
        var user = User("e2e-cheap");
        var attack = $$$"""{"sessionData":{"userId":"{{{user}}}","cart":[{"productId":"677e7b5c8f9a1b2c3d4e5f6a","quantity":1,"sale_price":0.01,"shopId":"shop1"}],"sellers":["shop1"],"totalAmount":0.01}}""";
        var invoicesBefore = stack.Sandbox.State.Invoices.Count;
        var createCallsBefore = stack.Sandbox.Stats.GetValueOrDefault(EndpointKeys.InvoiceCreate);

        using var refused = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Post, InternalSeedRoute, JsonText(attack)));

        var answer = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.Conflict, answer);
        using var json = JsonDocument.Parse(answer);
        Assert.Equal("PRICE_CHANGED", json.RootElement.GetProperty("error").GetString());
        Assert.Equal("sessionData.cart[0].sale_price", json.RootElement.GetProperty("field").GetString());
        var line = Assert.Single(json.RootElement.GetProperty("lines").EnumerateArray());
        Assert.Equal("sessionData.cart[0].sale_price", line.GetProperty("field").GetString());
        Assert.Equal("677e7b5c8f9a1b2c3d4e5f6a", line.GetProperty("productId").GetString());
        Assert.Equal(0.01m, line.GetProperty("sentPrice").GetDecimal());
        Assert.Equal(100m, line.GetProperty("currentPrice").GetDecimal());
        Assert.Equal(invoicesBefore, stack.Sandbox.State.Invoices.Count);
        Assert.Equal(createCallsBefore, stack.Sandbox.Stats.GetValueOrDefault(EndpointKeys.InvoiceCreate));
    }

    [Fact]
    public async Task Catalogue_route_answers_a_demo_product_and_404_not_found_for_an_unknown_one()
    {
        using var found = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Get, "order/api/internal/catalog/products/shop1/677e7b5c8f9a1b2c3d4e5f6a"));
        using var unknown = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Get, $"order/api/internal/catalog/products/shop1/unknown-{Guid.NewGuid():N}"));

        var product = JsonDocument.Parse(await found.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal("shop1", product.GetProperty("shopId").GetString());
        Assert.Equal("677e7b5c8f9a1b2c3d4e5f6a", product.GetProperty("productId").GetString());
        Assert.Equal(100m, product.GetProperty("salePrice").GetDecimal());
        Assert.True(product.GetProperty("active").GetBoolean());
        Assert.Equal("Seed card product", product.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("NOT_FOUND", JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Dev_sh_catalogue_loader_puts_both_demo_files_and_fails_loudly_with_the_answer()
    {
        const string load = "source scripts/lib/catalog.sh && wait_for_app \"$APP_URL\" 30 && load_demo_catalog \"$APP_URL\" \"$KEY\"";
        var withKey = new Dictionary<string, string> { ["APP_URL"] = AppUrl, ["KEY"] = EndToEndStack.FunctionKey };
        var withoutKey = new Dictionary<string, string> { ["APP_URL"] = AppUrl, ["KEY"] = "" };

        var (loadedExit, _, loadedLog) = await BashAsync(["-c", load], withKey);
        var (refusedExit, _, refusedLog) = await BashAsync(["-c", load], withoutKey);

        Assert.True(loadedExit == 0, loadedLog);
        Assert.Contains($"loaded the demo catalogue into {AppUrl}: {Items(DemoCatalog.ProductsFile, "products")} products, {Items(DemoCatalog.CouponsFile, "coupons")} coupons", loadedLog);
        Assert.NotEqual(0, refusedExit);
        Assert.Contains($"PUT {AppUrl}/order/api/internal/catalog/products (scripts/demo-catalog/products.json) answered HTTP 401", refusedLog);
        Assert.DoesNotContain("loaded the demo catalogue", refusedLog);
    }

    [Fact]
    public async Task A_card_paid_two_seller_session_is_refunded_through_the_host_with_one_qpay_refund_and_a_replay_answers_the_same()
    {
        var user = User("e2e-refund");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        var payment = await stack.PayAsync(invoiceId, type: "CARD");
        await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");
        var paymentId = payment.GetProperty("paymentId").GetString()!;
        var refundCallsBefore = await stack.SandboxCallsAsync(EndpointKeys.PaymentRefund);
        var key = "e2e-refund-" + Guid.NewGuid().ToString("N");
        var body = new { sessionId, reason = "CUSTOMER_REQUEST", note = "both parcels came back" };

        var (status, answer, firstReplayed) = await stack.RefundAsync(key, body);
        var (replayStatus, replay, replayed) = await stack.RefundAsync(key, body);
        var shown = await stack.WaitForStatusAsync(user, sessionId, "REFUNDED");
        var refundCallsAfter = await stack.SandboxCallsAsync(EndpointKeys.PaymentRefund);

        Assert.True(status == HttpStatusCode.OK, answer);
        var json = JsonDocument.Parse(answer).RootElement;
        Assert.True(json.GetProperty("ok").GetBoolean());
        Assert.Equal(sessionId, json.GetProperty("sessionId").GetString());
        Assert.Equal("REFUNDED", json.GetProperty("status").GetString());
        var refund = json.GetProperty("refund");
        Assert.Equal("REFUNDED", refund.GetProperty("status").GetString());
        Assert.True(refund.GetProperty("whole").GetBoolean());
        Assert.Equal(Carts.TwoSellersMnt, refund.GetProperty("amount").GetDecimal());
        var line = Assert.Single(refund.GetProperty("payments").EnumerateArray());
        Assert.Equal(RefundKeys.RefundId(sessionId, RefundKeys.Payment(paymentId)), line.GetProperty("refundId").GetString());
        Assert.Equal("PAYMENT", line.GetProperty("kind").GetString());
        Assert.Equal(paymentId, line.GetProperty("paymentId").GetString());
        Assert.Equal("API", line.GetProperty("method").GetString());
        Assert.Equal("REFUNDED", line.GetProperty("status").GetString());
        Assert.Equal(Carts.TwoSellersMnt, line.GetProperty("amount").GetDecimal());
        Assert.False(json.TryGetProperty("share", out _));

        Assert.False(firstReplayed);
        Assert.Equal(HttpStatusCode.OK, replayStatus);
        Assert.True(replayed, "the replay has no Idempotent-Replayed: true");
        Assert.Equal(answer, replay);

        Assert.Equal("REFUNDED", shown.GetProperty("refund").GetProperty("status").GetString());
        Assert.Equal("REFUNDED", Assert.Single(shown.GetProperty("refund").GetProperty("payments").EnumerateArray()).GetProperty("status").GetString());
        Assert.Equal(1, refundCallsAfter - refundCallsBefore);
        Assert.Equal(QPay.Sandbox.SandboxPaymentStatus.Refunded, stack.Sandbox.State.FindPayment(paymentId)!.Status);
    }

    [Fact]
    public async Task A_p2p_paid_session_is_refunded_by_hand_listed_pending_then_settled_through_the_host()
    {
        var user = User("e2e-manual");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        var payment = await stack.PayAsync(invoiceId, type: "P2P");
        await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");
        var paymentId = payment.GetProperty("paymentId").GetString()!;
        var refundId = RefundKeys.RefundId(sessionId, RefundKeys.Payment(paymentId));

        var (status, answer, _) = await stack.RefundAsync("e2e-manual-" + Guid.NewGuid().ToString("N"), new { sessionId, reason = "ORDER_CANCELLED" });
        var pending = await stack.WaitForStatusAsync(user, sessionId, "REFUND_PENDING");
        var listedBefore = await PendingRefundIdsAsync();
        using var settled = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Post, $"order/api/internal/payments/qpay/refunds/{refundId}/settle", new { reference = "BANK-TRX-4711" }));
        var settledBody = await settled.Content.ReadAsStringAsync();
        using var again = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Post, $"order/api/internal/payments/qpay/refunds/{refundId}/settle", new { reference = "BANK-TRX-4711" }));
        using var other = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Post, $"order/api/internal/payments/qpay/refunds/{refundId}/settle", new { reference = "BANK-TRX-9999" }));
        var shown = await stack.WaitForStatusAsync(user, sessionId, "REFUNDED");
        var listedAfter = await PendingRefundIdsAsync();

        Assert.True(status == HttpStatusCode.OK, answer);
        var json = JsonDocument.Parse(answer).RootElement;
        Assert.Equal("REFUND_PENDING", json.GetProperty("status").GetString());
        Assert.Equal("PENDING", json.GetProperty("refund").GetProperty("status").GetString());
        var line = Assert.Single(json.GetProperty("refund").GetProperty("payments").EnumerateArray());
        Assert.Equal(refundId, line.GetProperty("refundId").GetString());
        Assert.Equal("MANUAL", line.GetProperty("method").GetString());
        Assert.Equal("PENDING", line.GetProperty("status").GetString());
        Assert.Equal(Carts.TwoSellersMnt, line.GetProperty("amount").GetDecimal());
        Assert.Equal("PENDING", pending.GetProperty("refund").GetProperty("status").GetString());
        Assert.Equal(QPay.Sandbox.SandboxPaymentStatus.Paid, stack.Sandbox.State.FindPayment(paymentId)!.Status); // QPay cannot reverse a bank-app payment
        Assert.Contains(refundId, listedBefore);

        Assert.True(settled.StatusCode == HttpStatusCode.OK, settledBody);
        var settlement = JsonDocument.Parse(settledBody).RootElement;
        Assert.Equal("REFUNDED", settlement.GetProperty("sessionStatus").GetString());
        Assert.Equal(refundId, settlement.GetProperty("refund").GetProperty("refundId").GetString());
        Assert.Equal("REFUNDED", settlement.GetProperty("refund").GetProperty("status").GetString());
        Assert.Equal("MANUAL", settlement.GetProperty("refund").GetProperty("method").GetString());
        Assert.Equal("BANK-TRX-4711", settlement.GetProperty("refund").GetProperty("reference").GetString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal("ALREADY_SETTLED", JsonDocument.Parse(await other.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

        Assert.Equal("REFUNDED", shown.GetProperty("refund").GetProperty("status").GetString());
        Assert.Equal("MANUAL", Assert.Single(shown.GetProperty("refund").GetProperty("payments").EnumerateArray()).GetProperty("method").GetString());
        Assert.DoesNotContain(refundId, listedAfter);
    }

    /// <summary>Every refund id of GET refunds?status=pending through the host, following its continuation tokens.</summary>
    private async Task<List<string>> PendingRefundIdsAsync()
    {
        var ids = new List<string>();
        string? token = null;
        for (var page = 0; page < 100; page++)
        {
            var route = "order/api/internal/payments/qpay/refunds?status=pending&pageSize=200"
                + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token));
            using var response = await stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Get, route));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var json = JsonDocument.Parse(body).RootElement;
            ids.AddRange(json.GetProperty("refunds").EnumerateArray().Select(r => r.GetProperty("refundId").GetString()!));
            token = json.TryGetProperty("continuationToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (token is null)
            {
                return ids;
            }
        }

        throw new InvalidOperationException("the pending refunds did not end within 100 pages");
    }

    private const string InternalSeedRoute = "order/api/internal/payments/qpay/seed-session";

    private string AppUrl => stack.Host.BaseAddress.ToString().TrimEnd('/');

    private static int Items(string file, string kind) => JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty(kind).GetArrayLength();

    private static StringContent JsonText(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    /// <summary>Runs bash in the repository root with these environment variables: its exit code, stdout and stderr.</summary>
    private static async Task<(int ExitCode, string Output, string Errors)> BashAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.InRepository(),
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }

    private static HttpRequestMessage Request(HttpMethod method, string route, string? key, bool internalHeader)
    {
        var request = new HttpRequestMessage(method, route);
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        if (internalHeader)
        {
            request.Headers.Add("x-internal-request", "true");
        }

        return request;
    }

    private static string User(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private static async Task<List<string>> OrdersOf(string userId)
    {
        var table = new Azure.Data.Tables.TableClient(LocalStack.StorageConnectionString, StorageNames.OrdersTable);
        var ids = new List<string>();
        await foreach (var order in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == userId))
        {
            ids.Add(order.RowKey);
        }

        return ids;
    }

    /// <summary>
    /// Finds the poison message with this body and deletes it, so that runs against a long-lived
    /// Azurite (the queue name is the app's own) do not pile up messages; answers when it was to expire
    /// (null: not found).
    /// </summary>
    private static async Task<DateTimeOffset?> TakePoisonMessageAsync(string body)
    {
        var poison = EndToEndStack.PoisonQueue;
        if (!await poison.ExistsAsync())
        {
            return null;
        }

        // Received messages stay hidden for a while, so each batch brings messages not seen yet.
        while ((await poison.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value is { Length: > 0 } batch)
        {
            if (batch.FirstOrDefault(m => m.Body.ToString() == body) is { } ours)
            {
                await poison.DeleteMessageAsync(ours.MessageId, ours.PopReceipt);
                return ours.ExpiresOn ?? DateTimeOffset.MinValue;
            }
        }

        return null;
    }
}
