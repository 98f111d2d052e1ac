using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments.Receipts;

/// <summary>E-receipts against Azurite, Redis and the QPay sandbox (on in the local sample settings).</summary>
public sealed class EbarimtTests
{
    private static Task<PaymentsHarness> StartAsync(IReadOnlyDictionary<string, string?>? settings = null) =>
        PaymentsHarness.StartAsync(settings: settings, services: s => s.PostConfigure<EbarimtOptions>(o => o.RetryBackoff = TimeSpan.Zero));

    private static async Task<PaymentSession> Session(PaymentsHarness harness, string sessionId) =>
        (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;

    private static object CartWith(object? ebarimt)
    {
        var cart = JsonSerializer.SerializeToNode(Carts.TwoSellers, JsonSerializerOptions.Web)!.AsObject();
        cart["ebarimt"] = JsonSerializer.SerializeToNode(ebarimt, JsonSerializerOptions.Web);
        return cart;
    }

    private static async Task<Answer> EbarimtAsync(PaymentsHarness harness, string user, string sessionId) =>
        await PaymentsHarness.InvokeAsync(harness.Function<EbarimtFunctions>().GetEbarimt, HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(user)));

    [Fact]
    public async Task Each_counted_payment_gets_one_registered_receipt_shown_by_status_and_the_ebarimt_route()
    {
        await using var harness = await StartAsync();
        var user = "user-ebarimt-two";
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var first = await harness.PayAsync(invoiceId, amount: 30_000m);
        var second = await harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt - 30_000m, type: "CARD");
        await harness.CallbackAsync(invoiceId, second);
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(ReceiptStatus.Pending, (await Session(harness, sessionId)).Receipts!.Status);
        Assert.Equal(2, await harness.ProcessReceiptQueueAsync());

        var receipts = (await Session(harness, sessionId)).Receipts!;
        Assert.Equal(ReceiptStatus.Registered, receipts.Status);
        Assert.Equal(new[] { first, second }.Order(), receipts.Receipts.Select(r => r.PaymentId).Order());
        Assert.All(receipts.Receipts, r => Assert.False(string.IsNullOrEmpty(r.QrData)));
        Assert.Equal(2, harness.QPayCalls(EndpointKeys.EbarimtCreate));

        var status = await PaymentsHarness.InvokeAsync(harness.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(user)));
        var shown = status.Body.GetProperty("ebarimt");
        Assert.Equal("REGISTERED", shown.GetProperty("status").GetString());
        Assert.Equal(Carts.TwoSellersMnt, shown.GetProperty("amount").GetDecimal());
        Assert.Equal(2, shown.GetProperty("receipts").GetArrayLength());

        var read = await EbarimtAsync(harness, user, sessionId);
        Assert.Equal((200, "PROCESSED", invoiceId), (read.Status, read.Body.GetProperty("status").GetString(), read.Body.GetProperty("invoiceId").GetString()));
        Assert.Equal("REGISTERED", read.Body.GetProperty("ebarimt").GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(read.Body.GetProperty("ebarimt").GetProperty("receiptId").GetString()));
        Assert.Equal(404, (await EbarimtAsync(harness, "someone-else", sessionId)).Status);
    }

    [Fact]
    public async Task Twenty_duplicate_callbacks_ask_QPay_for_one_receipt()
    {
        await using var harness = await StartAsync();
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ebarimt-dup");
        var paymentId = await harness.PayAsync(invoiceId);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => harness.CallbackAsync(invoiceId, paymentId)));
        await harness.ProcessOrderQueueAsync(maxRounds: 3);
        await harness.ProcessReceiptQueueAsync(maxRounds: 3);

        Assert.Equal(1, harness.QPayCalls(EndpointKeys.EbarimtCreate));
    }

    [Fact]
    public async Task A_receipt_QPay_fails_is_retried_by_the_queue_and_registered_when_QPay_recovers()
    {
        await using var harness = await StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ebarimt-retry");
        var paymentId = await harness.PayAsync(invoiceId);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.EbarimtCreate, Status = 500, Error = "SYSTEM_BUSY", Count = 2 });
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();

        await harness.ProcessReceiptQueueAsync(maxRounds: 5);

        var line = (await Session(harness, sessionId)).Receipts!.Receipts.Single();
        Assert.Equal((ReceiptStatus.Registered, (string?)null), (line.Status, line.LastError));
        Assert.Equal(3, harness.QPayCalls(EndpointKeys.EbarimtCreate));
        Assert.Equal(SessionStatus.Processed, (await Session(harness, sessionId)).Status);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "ReceiptAttemptFailed" && r.Message.Contains(paymentId));
    }

    [Fact]
    public async Task A_receipt_failing_every_time_is_FAILED_poisoned_logged_as_an_error_and_the_retry_route_queues_it_again()
    {
        await using var harness = await StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ebarimt-poison");
        var paymentId = await harness.PayAsync(invoiceId);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.EbarimtCreate, Status = 400, Error = "EBARIMT_NOT_REGISTERED", Count = 5 });
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();

        await harness.ProcessReceiptQueueAsync(maxRounds: 10);

        var session = await Session(harness, sessionId);
        Assert.Equal(SessionStatus.Processed, session.Status);
        Assert.Equal(2, (await harness.Get<IOrderStore>().ListForUserAsync("user-ebarimt-poison", default)).Count(o => o.SessionId == sessionId));
        Assert.Equal((ReceiptStatus.Failed, "EBARIMT_NOT_REGISTERED"), (session.Receipts!.Status, session.Receipts.Receipts.Single().LastError));
        Assert.Equal(5, harness.QPayCalls(EndpointKeys.EbarimtCreate));
        var poisoned = Assert.Single((await harness.ReceiptPoisonQueue().PeekMessagesAsync(10)).Value);
        Operations.PoisonKeepingTests.AssertNeverExpires(poisoned.ExpiresOn);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "ReceiptPoisoned" && r.Level == LogLevel.Error
            && r.Message.Contains(sessionId) && r.Message.Contains(paymentId));

        var retry = await PaymentsHarness.InvokeAsync(harness.Function<EbarimtFunctions>().RetryEbarimt,
            HttpRequests.Json("POST", new { sessionId }, headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));
        Assert.Equal((200, 1), (retry.Status, retry.Body.GetProperty("requeued").GetInt32()));
        await harness.ProcessReceiptQueueAsync();
        Assert.Equal(ReceiptStatus.Registered, (await Session(harness, sessionId)).Receipts!.Status);

        var nothing = await PaymentsHarness.InvokeAsync(harness.Function<EbarimtFunctions>().RetryEbarimt,
            HttpRequests.Json("POST", new { sessionId }, headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));
        Assert.Equal((409, "NOTHING_TO_RETRY"), (nothing.Status, nothing.Error));
    }

    [Fact]
    public async Task A_message_meeting_a_crashed_holders_lease_comes_back_after_it_instead_of_being_dropped()
    {
        await using var harness = await StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ebarimt-lease");
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();
        var store = harness.Get<IReceiptStore>();
        var now = harness.Get<TimeProvider>().GetUtcNow();
        await store.UpdateAsync(sessionId, paymentId, r => r with { LeaseUntil = now + TimeSpan.FromMinutes(2), Attempts = 1 }, default);

        Assert.Equal(1, await harness.ProcessReceiptQueueAsync());

        Assert.Equal(0, harness.QPayCalls(EndpointKeys.EbarimtCreate));
        Assert.Equal(1, (await harness.ReceiptQueue().GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(ReceiptStatus.Pending, (await store.GetAsync(sessionId, paymentId, default))!.Status);
    }

    [Fact]
    public async Task With_e_receipts_off_the_receipt_is_SKIPPED_and_QPay_is_not_asked()
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["QPAY_EBARIMT_ENABLED"] = "false" });
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ebarimt-off");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(0, await harness.ProcessReceiptQueueAsync());
        Assert.Equal(ReceiptStatus.Skipped, (await Session(harness, sessionId)).Receipts!.Status);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.EbarimtCreate));
        Assert.Equal("SKIPPED", (await EbarimtAsync(harness, "user-ebarimt-off", sessionId)).Body.GetProperty("ebarimt").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"receiverType":"COMPANY"}""", "ebarimt.receiver")]
    [InlineData("""{"receiverType":"BUSINESS","receiver":"12"}""", "ebarimt.receiver")]
    [InlineData("""{"receiverType":"CITIZEN","receiver":"phone"}""", "ebarimt.receiver")]
    [InlineData("""{"receiverType":"ALIEN"}""", "ebarimt.receiverType")]
    [InlineData("""{"receiverType":"CITIZEN","districtCode":"35"}""", "ebarimt.districtCode")]
    [InlineData("""{"receiverType":"CITIZEN","classificationCode":"x"}""", "ebarimt.classificationCode")]
    public async Task A_receiver_that_does_not_fit_its_type_is_refused_naming_the_field(string ebarimt, string field)
    {
        await using var harness = await StartAsync();
        var invoices = harness.Sandbox.State.Invoices.Count;

        var answer = await harness.SeedAsync("user-ebarimt-bad", CartWith(JsonDocument.Parse(ebarimt).RootElement));

        Assert.Equal((400, field), (answer.Status, answer.Body.GetProperty("field").GetString()));
        Assert.Equal(invoices, harness.Sandbox.State.Invoices.Count);
    }

    [Theory]
    [InlineData("ORGANIZATION")]
    [InlineData("BUSINESS")]
    [InlineData("company")]
    public async Task A_company_receipt_goes_to_its_register_number_whatever_the_seed_systems_spelling(string spelling)
    {
        await using var harness = await StartAsync();
        var register = "5395305";
        var seeded = await harness.SeedAsync("user-ebarimt-company", CartWith(new { receiverType = spelling, receiver = register }));
        var invoiceId = seeded.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!;
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();
        await harness.ProcessReceiptQueueAsync();

        var receipt = harness.Sandbox.State.FindReceipt(paymentId)!;
        Assert.Equal(("COMPANY", register), (receipt.ReceiverType, receipt.Receiver));
    }

    [Fact]
    public async Task The_receivers_phone_or_register_number_never_reaches_a_log_or_another_answer()
    {
        await using var harness = await StartAsync();
        var phone = "88" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var user = "user-ebarimt-pii";
        var seeded = await harness.SeedAsync(user, CartWith(new { receiverType = "CITIZEN", receiver = phone }));
        var sessionId = seeded.Body.GetProperty("sessionId").GetString()!;
        var invoiceId = seeded.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!;
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        await harness.ProcessOrderQueueAsync();
        await harness.ProcessReceiptQueueAsync();

        var status = await PaymentsHarness.InvokeAsync(harness.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(user)));
        var read = await EbarimtAsync(harness, user, sessionId);

        Assert.Equal("REGISTERED", read.Body.GetProperty("ebarimt").GetProperty("status").GetString());
        Assert.DoesNotContain(phone, status.Body.GetRawText());
        Assert.DoesNotContain(phone, read.Body.GetRawText());
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), r => r.Message.Contains(phone) || (r.Exception?.ToString().Contains(phone) ?? false));
    }

    [Fact]
    public async Task A_refunded_payments_receipt_is_cancelled_at_QPay_once()
    {
        await using var harness = await StartAsync();
        var user = "user-ebarimt-refund";
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await harness.PayAsync(invoiceId, type: "CARD");
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();
        await harness.ProcessReceiptQueueAsync();

        Assert.Equal("REFUNDED", (await harness.RefundAsync(sessionId)).Body.GetProperty("status").GetString());
        await harness.RefundAsync(sessionId);
        await harness.ProcessReceiptQueueAsync(maxRounds: 3);

        Assert.Equal(ReceiptStatus.Cancelled, (await Session(harness, sessionId)).Receipts!.Status);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.EbarimtCancel));
        Assert.Null(harness.Sandbox.State.FindReceipt(paymentId));
    }

    [Fact]
    public async Task A_payments_e_receipt_adds_one_table_request_and_a_message_to_order_creation_and_costs_seven_to_issue()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IPaymentAudit>(new DiscardingAudit()));
        var counter = harness.Get<StorageRequestCounter>();
        var (warmSession, warmInvoice) = await harness.SeedTwoSellerSessionAsync("user-ebarimt-count");
        var warmPayment = await harness.PayAsync(warmInvoice);
        await harness.CallbackAsync(warmInvoice, warmPayment);
        await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(warmSession, warmInvoice), default);
        await harness.Get<ReceiptIssuer>().ProcessAsync(new ReceiptMessage(warmSession, warmPayment));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ebarimt-count");
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);

        var before = counter.Snapshot();
        await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default);
        var orders = counter.Snapshot() - before;
        before = counter.Snapshot();
        await harness.Get<ReceiptIssuer>().ProcessAsync(new ReceiptMessage(sessionId, paymentId));
        var issue = counter.Snapshot() - before;

        // Order creation: the partition query, the coupon's two, the orders' transaction, the receipt row's insert (the
        // rows are the ones it wrote: no query), the finishing transaction (the PENDING summary in it), the due row; the
        // receipt's message.
        Assert.Equal(new StorageRequestCounts(Table: 7, Queue: 1), orders);
        // The issue: the row, its lease (written under the ETag just read), the session (its receiver), the REGISTERED
        // row (under the lease's ETag), and the session's summary: the session, the rows' query, the replace.
        Assert.Equal(new StorageRequestCounts(Table: 7, Queue: 0), issue);
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal((SessionStatus.Processed, ReceiptStatus.Registered), (session.Status, session.Receipts!.Status));
        Assert.Equal(2, harness.QPayCalls(EndpointKeys.EbarimtCreate)); // the warm-up's and this one
    }
}
