using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QPay.Functions.Functions;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Verification;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments;

/// <summary>The webhook pipeline and order creation, against Azurite, Redis and the sandbox.</summary>
public sealed class WebhookTests
{
    [Fact]
    public async Task Paid_invoice_is_verified_queued_and_processed_into_one_order_per_seller()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-1");
        var paymentId = await harness.PayAsync(invoiceId);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);
        var afterWebhook = await harness.Get<ISessionStore>().GetAsync(sessionId, default);
        var processed = await harness.ProcessOrderQueueAsync();

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.True(answer.Body.GetProperty("ok").GetBoolean());
        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Null(answer.Reason);
        Assert.Equal(invoiceId, answer.Body.GetProperty("invoiceId").GetString());
        Assert.Equal(sessionId, answer.Body.GetProperty("sessionId").GetString());
        var answeredIds = answer.Body.GetProperty("orderIds").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(SessionStatus.Paid, afterWebhook!.Status);
        Assert.Equal(Carts.TwoSellersMnt, afterWebhook.PaidMnt);
        Assert.Equal(1, processed);

        var session = await harness.Get<ISessionStore>().GetAsync(sessionId, default);
        Assert.Equal(SessionStatus.Processed, session!.Status);
        Assert.Equal(answeredIds, session.OrderIds);
        var orders = (await harness.Get<IOrderStore>().ListForUserAsync("user-wh-1", default)).Where(o => o.SessionId == sessionId).ToList();
        Assert.Equal(["shop-a", "shop-b"], orders.Select(o => o.ShopId).Order());
        Assert.Equal(answeredIds.Order(), orders.Select(o => o.OrderId).Order());
        Assert.Equal(23.5m, orders.Sum(o => o.TotalUsd));
        var claim = await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default);
        Assert.Equal(ClaimState.OrdersCreated, claim!.State);
        Assert.Equal([paymentId], claim.PaymentIds);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    [Fact]
    public async Task Qpay_own_get_without_json_accept_is_answered_success_with_the_reason_in_a_header()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-2");
        var paymentId = await harness.PayAsync(invoiceId);

        var first = await harness.CallbackAsync(invoiceId, paymentId, acceptJson: false);
        var second = await harness.CallbackAsync(invoiceId, paymentId, acceptJson: false);

        Assert.Equal(StatusCodes.Status200OK, first.Status);
        Assert.Equal("SUCCESS", first.Text);
        Assert.Equal("PROCESSED", first.Headers[WebhookFunctions.ReasonHeader].ToString());
        Assert.Equal("SUCCESS", second.Text);
        Assert.Equal("DUPLICATE", second.Headers[WebhookFunctions.ReasonHeader].ToString());
    }

    [Fact]
    public async Task The_sandbox_callback_url_unchanged_plus_qpay_payment_id_is_accepted()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-3");
        var paymentId = await harness.PayAsync(invoiceId);

        var answer = await harness.WebhookAsync(harness.CallbackUrl(invoiceId).Query + "&qpay_payment_id=" + paymentId);

        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
    }

    [Fact]
    public async Task Unpaid_invoice_is_not_paid_and_creates_nothing()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-4");

        var answer = await harness.WebhookAsync(harness.CallbackUrl(invoiceId).Query);

        Assert.Equal("NOT_PAID", answer.Reason);
        Assert.False(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Null(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default));
        Assert.Equal(0, await harness.ProcessOrderQueueAsync());
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Theory]
    [InlineData(79_899)] // a tögrög short
    [InlineData(40_000)] // partly paid
    public async Task Paid_amount_short_by_one_mnt_or_more_is_an_amount_mismatch(int paidMnt)
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-5");
        var paymentId = await harness.PayAsync(invoiceId, paidMnt);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.Equal("AMOUNT_MISMATCH", answer.Reason);
        Assert.Null(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "AmountMismatch");
    }

    [Fact]
    public async Task A_togrog_over_is_paid_and_the_togrog_goes_back_as_a_manual_refund()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-over");
        var paymentId = await harness.PayAsync(invoiceId, 79_901);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();

        Assert.Null(answer.Reason);
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal((SessionStatus.Processed, 79_901m), (session.Status, session.PaidMnt));
        Assert.Equal(1m, session.Refund!.Payments.Single(l => l.Kind == QPay.Functions.Payments.Sessions.RefundKind.Excess).AmountMnt);
    }

    [Fact]
    public async Task Two_partial_payments_that_add_up_are_paid()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-6");
        await harness.PayAsync(invoiceId, 50_000m);
        var second = await harness.PayAsync(invoiceId, 29_900m);

        var answer = await harness.CallbackAsync(invoiceId, second);

        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Equal(2, (await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default))!.PaymentIds.Count);
    }

    [Fact]
    public async Task Unknown_session_with_a_valid_token_is_session_missing()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var sessionId = Guid.NewGuid().ToString("N");
        var token = harness.Get<QPay.Functions.Security.IWebhookTokens>().Create(sessionId);

        var answer = await harness.WebhookAsync($"sessionId={sessionId}&token={token}&qpay_payment_id=123");

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal("SESSION_MISSING", answer.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("&token=")]
    [InlineData("&token=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("&token=<script>")]
    public async Task Missing_or_forged_token_is_invalid_token_and_qpay_is_not_asked(string tokenPart)
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-7");
        await harness.PayAsync(invoiceId);

        var answer = await harness.WebhookAsync($"sessionId={sessionId}{tokenPart}");

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal("INVALID_TOKEN", answer.Reason);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    [Fact]
    public async Task Token_of_another_session_is_invalid()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (_, invoiceA) = await harness.SeedTwoSellerSessionAsync("user-wh-8");
        var (sessionB, _) = await harness.SeedTwoSellerSessionAsync("user-wh-8");
        var tokenA = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(harness.CallbackUrl(invoiceA).Query)["token"];

        var answer = await harness.WebhookAsync($"sessionId={sessionB}&token={tokenA}");

        Assert.Equal("INVALID_TOKEN", answer.Reason);
    }

    [Fact]
    public async Task Body_naming_another_invoice_is_an_invoice_mismatch_and_that_invoice_is_not_checked()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (_, invoiceA) = await harness.SeedTwoSellerSessionAsync("user-wh-9");
        var (sessionB, invoiceB) = await harness.SeedTwoSellerSessionAsync("user-wh-9");
        await harness.PayAsync(invoiceB);

        var answer = await harness.WebhookAsync(harness.CallbackUrl(invoiceA).Query, new { invoiceId = invoiceB, status = "paid", payload = new { } });

        Assert.Equal("INVOICE_MISMATCH", answer.Reason);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Null(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionB, invoiceB, default));
    }

    [Fact]
    public async Task Post_body_naming_the_session_invoice_is_processed_and_a_second_post_is_a_duplicate()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-10");
        await harness.PayAsync(invoiceId);
        var body = new { invoiceId, status = "paid", payload = new { } };

        var first = await harness.WebhookAsync(harness.CallbackUrl(invoiceId).Query, body);
        var second = await harness.WebhookAsync(harness.CallbackUrl(invoiceId).Query, body);

        Assert.True(first.Body.GetProperty("processed").GetBoolean());
        Assert.Equal("DUPLICATE", second.Reason);
        Assert.Equal(
            first.Body.GetProperty("orderIds").EnumerateArray().Select(e => e.GetString()),
            second.Body.GetProperty("orderIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    [Fact]
    public async Task Session_deleted_from_redis_before_the_callback_is_processed_from_table()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-11");
        var paymentId = await harness.PayAsync(invoiceId);
        var redis = await harness.Get<RedisConnection>().GetDatabaseAsync();
        Assert.True(await redis.KeyDeleteAsync($"payment-session:{sessionId}"));

        var answer = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Message.StartsWith("Session loaded from database", StringComparison.Ordinal));
        Assert.Equal(1, await harness.ProcessOrderQueueAsync());
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task Fifty_concurrent_identical_callbacks_make_one_order_set_and_one_payment_check()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-12");
        var paymentId = await harness.PayAsync(invoiceId);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => harness.CallbackAsync(invoiceId, paymentId))));
        var processed = await harness.ProcessOrderQueueAsync(maxRounds: 3);

        Assert.All(answers, a => Assert.Equal(StatusCodes.Status200OK, a.Status));
        Assert.Single(answers, a => a.Body.GetProperty("processed").GetBoolean());
        // The others were answered while the winner checked (IN_PROGRESS, no order ids) or after it claimed (DUPLICATE).
        Assert.Equal(49, answers.Count(a => a.Reason is "DUPLICATE" or "IN_PROGRESS"));
        Assert.All(answers.Where(a => a.Reason == "IN_PROGRESS"), a => Assert.Equal(0, a.Body.GetProperty("orderIds").GetArrayLength()));
        Assert.All(answers.Where(a => a.Reason == "DUPLICATE"), a => Assert.Equal(2, a.Body.GetProperty("orderIds").GetArrayLength()));
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Equal(1, processed);
        var orders = (await harness.Get<IOrderStore>().ListForUserAsync("user-wh-12", default)).Where(o => o.SessionId == sessionId).ToList();
        Assert.Equal(2, orders.Count);
    }

    [Fact]
    public async Task The_same_queue_message_handled_twice_rewrites_the_same_orders()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-13");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        var message = PaymentsHarness.Message($$"""{"sessionId":"{{sessionId}}","invoiceId":"{{invoiceId}}"}""");

        await harness.Function<OrderCreationFunction>().CreateOrders(message, default);
        var once = await OrdersOf(harness, "user-wh-13", sessionId);
        await harness.Function<OrderCreationFunction>().CreateOrders(PaymentsHarness.Message(message.Body.ToString(), dequeueCount: 2), default);
        var twice = await OrdersOf(harness, "user-wh-13", sessionId);

        Assert.Equal(2, once.Count);
        Assert.Equal(once.Select(o => (o.OrderId, o.TotalUsd, o.CreatedAt)), twice.Select(o => (o.OrderId, o.TotalUsd, o.CreatedAt)));
    }

    [Fact]
    public async Task A_failure_writing_the_orders_is_retried_into_all_orders_none_twice()
    {
        var failing = new FailingOrderStore(failOnCall: 1);
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
            s.AddSingleton<IOrderStore>(sp => failing.Wrap(ActivatorUtilities.CreateInstance<OrderTableStore>(sp))));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-14");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));

        await Assert.ThrowsAsync<InvalidOperationException>(() => harness.ProcessOrderQueueAsync());
        var afterFailure = await OrdersOf(harness, "user-wh-14", sessionId);
        var sessionAfterFailure = await harness.Get<ISessionStore>().GetAsync(sessionId, default);
        var retried = await harness.ProcessOrderQueueAsync();

        Assert.Empty(afterFailure); // the sellers' orders are one transaction: none of them, never one of two
        Assert.Equal(SessionStatus.Paid, sessionAfterFailure!.Status);
        Assert.Equal(1, retried);
        var orders = await OrdersOf(harness, "user-wh-14", sessionId);
        Assert.Equal(2, orders.Count);
        Assert.Equal(2, orders.Select(o => o.OrderId).Distinct().Count());
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task Qpay_failing_the_check_is_verification_failed_and_the_next_callback_processes_it()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-15");
        var paymentId = await harness.PayAsync(invoiceId);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, Status = 500, Count = 1_000 });

        var failed = await harness.CallbackAsync(invoiceId, paymentId);
        harness.Sandbox.ClearFaults(); // QPay recovers
        var retried = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.Equal(StatusCodes.Status200OK, failed.Status);
        Assert.Equal("VERIFICATION_FAILED", failed.Reason);
        Assert.True(retried.Body.GetProperty("processed").GetBoolean());
    }

    [Fact]
    public async Task A_claim_left_without_orders_is_queued_again_by_a_duplicate_callback_once_stuck()
    {
        var stuckAfter = TimeSpan.FromMinutes(3);
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
            s.PostConfigure<PaymentOptions>(o => o.StuckClaimAfter = stuckAfter));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-16");
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.OrderQueue().ClearMessagesAsync(); // the message is lost

        var tooEarly = await harness.CallbackAsync(invoiceId, paymentId);
        var queuedEarly = await harness.QueuedOrderMessagesAsync();
        // The claim's clock is moved back past the threshold instead of waiting it out.
        var aged = stuckAfter + TimeSpan.FromSeconds(1);
        Assert.True(await harness.Get<IProcessedInvoiceStore>().TryUpdateAsync(
            sessionId,
            invoiceId, c => c with { VerifiedAt = c.VerifiedAt - aged, EnqueuedAt = c.EnqueuedAt - aged }, default));
        var stuck = await harness.CallbackAsync(invoiceId, paymentId);
        var processed = await harness.ProcessOrderQueueAsync();

        Assert.Equal("DUPLICATE", tooEarly.Reason);
        Assert.Equal(0, queuedEarly);
        Assert.Equal("DUPLICATE", stuck.Reason);
        Assert.Equal(1, processed);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "StuckClaimRequeued");
    }

    [Fact]
    public async Task Internal_webhook_needs_the_header_and_answers_success_processed_reason_and_order_ids()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-17");
        await harness.PayAsync(invoiceId);
        var function = harness.Function<WebhookFunctions>();
        var body = new { invoiceId, status = "paid", payload = new { } };

        var withoutHeader = await PaymentsHarness.InvokeAsync(function.InternalQPayWebhook, HttpRequests.Json("POST", body, query: $"sessionId={sessionId}"));
        var withHeader = await PaymentsHarness.InvokeAsync(function.InternalQPayWebhook, HttpRequests.Json(
            "POST", body, query: $"sessionId={sessionId}", headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));

        Assert.Equal(StatusCodes.Status403Forbidden, withoutHeader.Status);
        Assert.Equal(StatusCodes.Status200OK, withHeader.Status);
        Assert.Equal(["success", "processed", "reason", "orderIds"], withHeader.Body.EnumerateObject().Select(p => p.Name));
        Assert.True(withHeader.Body.GetProperty("success").GetBoolean());
        Assert.True(withHeader.Body.GetProperty("processed").GetBoolean());
        Assert.Equal(2, withHeader.Body.GetProperty("orderIds").GetArrayLength());
    }

    [Fact]
    public async Task A_callback_while_another_checks_an_unpaid_invoice_is_in_progress_without_order_ids()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-busy");
        var internalWebhook = harness.Function<WebhookFunctions>().InternalQPayWebhook;

        // Another callback holds the invoice's check lock (it is asking QPay right now).
        await using (var held = await harness.Get<InvoiceCheckLock>().TryAcquireAsync(sessionId))
        {
            Assert.NotNull(held);
            var publicAnswer = await harness.CallbackAsync(invoiceId, "p-1");
            var internalAnswer = await PaymentsHarness.InvokeAsync(internalWebhook, HttpRequests.Json(
                "POST", new { invoiceId, status = "paid" }, query: $"sessionId={sessionId}", headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));

            Assert.Equal("IN_PROGRESS", publicAnswer.Reason);
            Assert.Equal(0, publicAnswer.Body.GetProperty("orderIds").GetArrayLength());
            Assert.Equal("IN_PROGRESS", internalAnswer.Reason);
            Assert.False(internalAnswer.Body.GetProperty("success").GetBoolean());
            Assert.Equal(0, internalAnswer.Body.GetProperty("orderIds").GetArrayLength());
        }

        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Equal("NOT_PAID", (await harness.CallbackAsync(invoiceId, "p-1")).Reason); // once the lock is free
    }

    [Fact]
    public async Task A_callback_whose_connection_hangs_up_during_the_check_still_claims_the_payment()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-hangup");
        await harness.PayAsync(invoiceId);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, DelayMs = 1_500 }); // QPay answers late
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(harness.CallbackUrl(invoiceId).Query);
        using var hangUp = new CancellationTokenSource();

        var handling = harness.Get<QPay.Functions.Payments.Webhooks.WebhookProcessor>().HandleAsync(
            new QPay.Functions.Payments.Webhooks.WebhookRequest(sessionId, query["token"], TokenRequired: true, InvoiceIdHint: null), hangUp.Token);
        await Eventually.UntilAsync(() => harness.QPayCalls(EndpointKeys.PaymentCheck) > 0 || handling.IsCompleted, "the payment check has started");
        Assert.False(handling.IsCompleted);
        hangUp.Cancel(); // QPay's callback connection goes away while we ask QPay
        var outcome = await handling;

        Assert.True(outcome.Processed);
        Assert.NotNull(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default));
        Assert.Equal(SessionStatus.Paid, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Equal(1, await harness.QueuedOrderMessagesAsync());
    }

    [Fact]
    public async Task An_upper_cased_token_is_invalid()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-case");
        var url = harness.CallbackUrl(invoiceId);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url.Query);

        var answer = await harness.WebhookAsync($"sessionId={query["sessionId"]}&token={query["token"].ToString().ToUpperInvariant()}");

        Assert.Equal("INVALID_TOKEN", answer.Reason);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    [Fact]
    public async Task Debug_mode_logs_every_step_with_ids_and_no_token()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["INTERNAL_WEBHOOK_DEBUG"] = "true" });
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-18");
        var paymentId = await harness.PayAsync(invoiceId);

        await harness.CallbackAsync(invoiceId, paymentId);

        var steps = harness.Logs.GetSnapshot().Where(r => r.Id.Name == "WebhookStep").Select(r => r.Message).ToList();
        Assert.Contains(steps, s => s.Contains("token verified") && s.Contains(sessionId));
        Assert.Contains(steps, s => s.Contains("checking payment with QPay") && s.Contains(invoiceId));
        Assert.Contains(steps, s => s.Contains("invoice claimed"));
        Assert.Contains(steps, s => s.Contains("order creation queued"));
        var token = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(harness.CallbackUrl(invoiceId).Query)["token"].ToString();
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), r => r.Message.Contains(token));
    }

    [Fact]
    public async Task Last_failing_attempt_is_logged_as_an_error_naming_session_and_invoice()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var message = PaymentsHarness.Message("""{"sessionId":"no-such-session","invoiceId":"no-such-invoice"}""", dequeueCount: 5);

        await harness.Function<OrderCreationFunction>().CreateOrders(message, default); // kept on the poison queue, completed

        var error = Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "OrderCreationPoisoned");
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains("no-such-session", error.Message);
        Assert.Contains("no-such-invoice", error.Message);
    }

    [Fact]
    public async Task Orders_are_never_created_for_an_invoice_without_a_verified_claim()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-19");
        var forged = PaymentsHarness.Message($$"""{"sessionId":"{{sessionId}}","invoiceId":"{{invoiceId}}"}""");

        await Assert.ThrowsAsync<OrderCreationException>(() => harness.Function<OrderCreationFunction>().CreateOrders(forged, default));

        Assert.Empty(await OrdersOf(harness, "user-wh-19", sessionId));
    }

    [Fact]
    public async Task A_cancelled_enqueue_after_the_claim_still_answers_processed_and_ends_in_orders()
    {
        var calls = 0;
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
        {
            s.PostConfigure<PaymentOptions>(o => o.StuckClaimAfter = TimeSpan.Zero);
            s.AddSingleton<IOrderQueue>(sp => new CancellingQueue(ActivatorUtilities.CreateInstance<StorageOrderQueue>(sp), () => Interlocked.Increment(ref calls) == 1));
        });
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-cancel");
        var paymentId = await harness.PayAsync(invoiceId);

        var callback = await harness.CallbackAsync(invoiceId, paymentId);
        var afterCallback = await harness.Get<ISessionStore>().GetAsync(sessionId, default);
        var duplicate = await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();

        Assert.True(callback.Body.GetProperty("processed").GetBoolean());
        Assert.Equal(SessionStatus.Paid, afterCallback!.Status);
        Assert.Equal("DUPLICATE", duplicate.Reason);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task A_storage_failure_is_answered_200_verification_failed_not_500()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
            s.AddSingleton<IProcessedInvoiceStore>(new UnavailableClaimStore()));
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-storage");
        var paymentId = await harness.PayAsync(invoiceId);

        var answer = await harness.CallbackAsync(invoiceId, paymentId, acceptJson: false);

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal("SUCCESS", answer.Text);
        Assert.Equal("VERIFICATION_FAILED", answer.Headers[WebhookFunctions.ReasonHeader].ToString());
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "WebhookFailed" && r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task A_message_redelivered_after_the_orders_exist_does_not_rewrite_them()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-late");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        await harness.ProcessOrderQueueAsync();
        var orders = await harness.Get<StorageClients>().GetTableAsync(StorageNames.OrdersTable, default);
        var order = (await OrdersOf(harness, "user-wh-late", sessionId))[0];
        var row = (await orders.GetEntityAsync<Azure.Data.Tables.TableEntity>("user-wh-late", order.OrderId)).Value;
        row["FulfilmentStatus"] = "SHIPPED"; // another system moved the order on
        await orders.UpdateEntityAsync(row, row.ETag);

        await harness.Function<OrderCreationFunction>().CreateOrders(
            PaymentsHarness.Message($$"""{"sessionId":"{{sessionId}}","invoiceId":"{{invoiceId}}"}""", dequeueCount: 1), default);

        var after = (await orders.GetEntityAsync<Azure.Data.Tables.TableEntity>("user-wh-late", order.OrderId)).Value;
        Assert.Equal("SHIPPED", after.GetString("FulfilmentStatus"));
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task Our_own_claim_insert_retried_after_a_lost_reply_still_counts_as_ours()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var claims = harness.Get<IProcessedInvoiceStore>();
        var invoiceId = "inv-" + Guid.NewGuid().ToString("N");
        ProcessedInvoice Claim(string claimId) => new()
        {
            InvoiceId = invoiceId,
            SessionId = "s1",
            ClaimId = claimId,
            State = ClaimState.Verified,
            PaidMnt = 1,
            PaymentIds = [],
            OrderIds = [],
            VerifiedAt = DateTimeOffset.UtcNow,
        };

        Assert.True(await claims.TryClaimAsync(Claim("mine"), default));
        Assert.True(await claims.TryClaimAsync(Claim("mine"), default)); // the SDK's retry of the same insert: 409, ours
        Assert.False(await claims.TryClaimAsync(Claim("theirs"), default));
    }

    [Fact]
    public async Task A_cache_miss_read_racing_a_status_change_never_leaves_the_older_status_in_redis()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-wh-race");
        var paymentId = await harness.PayAsync(invoiceId);
        var cache = harness.Get<ISessionCache>();
        await cache.RemoveAsync(sessionId);                                                // evicted
        var staleRead = await harness.Get<ISessionStore>().GetAsync(sessionId, default);   // a poll reads v1 from Table...

        await harness.CallbackAsync(invoiceId, paymentId);                                  // ...the webhook stores v2 PAID...
        await cache.StoreAsync(staleRead!);                                                 // ...then the poll caches its v1

        Assert.Equal(SessionStatus.Paid, (await cache.GetAsync(sessionId))!.Status);
    }

    private sealed class CancellingQueue(IOrderQueue inner, Func<bool> cancel) : IOrderQueue
    {
        public Task EnqueueAsync(OrderCreationMessage message, CancellationToken cancellationToken) =>
            cancel() ? throw new OperationCanceledException("the host is shutting down") : inner.EnqueueAsync(message, cancellationToken);
    }

    private sealed class UnavailableClaimStore : IProcessedInvoiceStore
    {
        public Task<ProcessedInvoice?> GetAsync(string sessionId, string invoiceId, CancellationToken cancellationToken) =>
            throw new Azure.RequestFailedException(503, "Table Storage is unavailable");

        public Task<bool> TryClaimAsync(ProcessedInvoice claim, CancellationToken cancellationToken) =>
            throw new Azure.RequestFailedException(503, "Table Storage is unavailable");

        public Task<bool> TryUpdateAsync(string sessionId, string invoiceId, Func<ProcessedInvoice, ProcessedInvoice?> change, CancellationToken cancellationToken) =>
            throw new Azure.RequestFailedException(503, "Table Storage is unavailable");

        public Task<SessionWithClaim?> ReadWithSessionAsync(string sessionId, CancellationToken cancellationToken) =>
            throw new Azure.RequestFailedException(503, "Table Storage is unavailable");

        public Task<SessionWithClaim?> ReadWithSessionAsync(string sessionId, string invoiceId, CancellationToken cancellationToken) =>
            throw new Azure.RequestFailedException(503, "Table Storage is unavailable");

        public Task<SessionClaimWrite> TryWriteWithSessionAsync(
            SessionWithClaim read, ProcessedInvoice claim, Func<PaymentSession, PaymentSession?>? sessionChange, CancellationToken cancellationToken) =>
            throw new Azure.RequestFailedException(503, "Table Storage is unavailable");
    }

    private static async Task<List<Order>> OrdersOf(PaymentsHarness harness, string userId, string sessionId) =>
        (await harness.Get<IOrderStore>().ListForUserAsync(userId, default)).Where(o => o.SessionId == sessionId).OrderBy(o => o.ShopId).ToList();

    /// <summary>The real order store, failing once on its Nth write (a crash while the orders are written).</summary>
    private sealed class FailingOrderStore(int failOnCall)
    {
        private readonly int _failOnCall = failOnCall;
        private int _calls;

        public IOrderStore Wrap(IOrderStore inner) => new Store(this, inner);

        private sealed class Store(FailingOrderStore owner, IOrderStore inner) : IOrderStore
        {
            public Task UpsertAllAsync(IReadOnlyList<Order> orders, CancellationToken cancellationToken) =>
                Interlocked.Increment(ref owner._calls) == owner._failOnCall
                    ? throw new InvalidOperationException("simulated crash writing the orders' transaction")
                    : inner.UpsertAllAsync(orders, cancellationToken);

            public Task<IReadOnlyList<Order>> ListForUserAsync(string userId, CancellationToken cancellationToken) =>
                inner.ListForUserAsync(userId, cancellationToken);

            public Task<Order?> GetAsync(string userId, string orderId, CancellationToken cancellationToken) =>
                inner.GetAsync(userId, orderId, cancellationToken);

            public Task<bool> MarkRefundAsync(string userId, string orderId, OrderRefund refund, CancellationToken cancellationToken) =>
                inner.MarkRefundAsync(userId, orderId, refund, cancellationToken);
        }
    }
}
