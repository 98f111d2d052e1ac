using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Sessions;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments.Operations;

/// <summary>
/// The poison routes on a harness's own queues (Azurite): messages put where the host puts those that
/// failed too often are listed with their ids, replayed at most <c>max</c> per call to their main queue,
/// and each replay lands in its session's audit trail.
/// </summary>
public sealed class PoisonReplayTests
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    [Fact]
    public async Task Poison_messages_are_listed_and_replayed_at_most_max_per_call_into_the_trail()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(AdminRoutesTests.NewUser());
        var ordersPoison = Queue(harness.OrderQueueName + "-poison");
        var refundsPoison = Queue(harness.RefundQueueName + "-poison");
        try
        {
            await ordersPoison.CreateIfNotExistsAsync();
            await refundsPoison.CreateIfNotExistsAsync();
            var message = JsonSerializer.Serialize(new { sessionId, invoiceId });
            for (var i = 0; i < 3; i++)
            {
                await ordersPoison.SendMessageAsync(message);
            }

            await refundsPoison.SendMessageAsync(JsonSerializer.Serialize(new { sessionId }));

            var listed = await Invoke(harness.Function<PoisonFunctions>().ListPoisonMessages, HttpRequests.Get("peek=2", headers: Internal));

            Assert.Equal(StatusCodes.Status200OK, listed.Status);
            var queues = listed.Body.GetProperty("queues").EnumerateArray().ToDictionary(q => q.GetProperty("alias").GetString()!);
            Assert.Equal(["ebarimt", "orders", "reconcile", "refunds"], queues.Keys.Order());
            var orders = queues["orders"];
            Assert.Equal((harness.OrderQueueName, harness.OrderQueueName + "-poison", 3), (orders.GetProperty("queue").GetString(), orders.GetProperty("poisonQueue").GetString(), orders.GetProperty("approximateCount").GetInt32()));
            var peeked = orders.GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal(2, peeked.Count);
            Assert.All(peeked, m =>
            {
                Assert.Equal((sessionId, invoiceId, harness.OrderQueueName), (m.GetProperty("sessionId").GetString(), m.GetProperty("invoiceId").GetString(), m.GetProperty("queue").GetString()));
                Assert.False(string.IsNullOrEmpty(m.GetProperty("messageId").GetString()));
                Assert.Equal(0, m.GetProperty("dequeueCount").GetInt64());
                Assert.NotEqual(JsonValueKind.Null, m.GetProperty("insertedOn").ValueKind);
            });
            Assert.Equal(1, queues["refunds"].GetProperty("approximateCount").GetInt32());
            Assert.Equal(0, queues["reconcile"].GetProperty("approximateCount").GetInt32());

            var firstReplay = await ReplayAsync(harness, """{"queue":"orders","max":2}""");

            Assert.Equal(StatusCodes.Status200OK, firstReplay.Status);
            Assert.Equal((2, 1), (firstReplay.Body.GetProperty("replayed").GetInt32(), firstReplay.Body.GetProperty("remaining").GetInt32()));
            Assert.Equal(2, await harness.QueuedOrderMessagesAsync());
            var moved = (await harness.OrderQueue().PeekMessagesAsync(32)).Value;
            Assert.All(moved, m => Assert.Equal(message, m.Body.ToString()));

            var secondReplay = await ReplayAsync(harness, $$"""{"queue":"{{harness.OrderQueueName}}"}""");
            var refundReplay = await ReplayAsync(harness, """{"queue":"REFUNDS"}""");
            var nothingLeft = await ReplayAsync(harness, """{"queue":"orders"}""");

            Assert.Equal((1, 0), (secondReplay.Body.GetProperty("replayed").GetInt32(), secondReplay.Body.GetProperty("remaining").GetInt32()));
            Assert.Equal((1, 0), (refundReplay.Body.GetProperty("replayed").GetInt32(), refundReplay.Body.GetProperty("remaining").GetInt32()));
            Assert.Equal((0, 0), (nothingLeft.Body.GetProperty("replayed").GetInt32(), nothingLeft.Body.GetProperty("remaining").GetInt32()));
            Assert.Equal(3, await harness.QueuedOrderMessagesAsync());
            Assert.Equal(1, await harness.QueuedRefundMessagesAsync());

            var replays = (await harness.EventsAsync(sessionId)).Where(e => e.Event.Type == PaymentEventTypes.PoisonReplayed).ToList();
            Assert.Equal(4, replays.Count);
            Assert.Equal(3, replays.Count(e => e.Event.Detail == harness.OrderQueueName && e.Event.InvoiceId == invoiceId));
            Assert.Single(replays, e => e.Event.Detail == harness.RefundQueueName);
            Assert.All(replays, e => Assert.Equal("admin", e.Event.Source));
        }
        finally
        {
            await ordersPoison.DeleteIfExistsAsync();
            await refundsPoison.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task A_replayed_order_message_creates_the_orders_its_poisoned_attempt_did_not()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(AdminRoutesTests.NewUser());
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        var poison = Queue(harness.OrderQueueName + "-poison");
        try
        {
            // As if order creation had failed five times: the host moved the message to the poison queue.
            var taken = (await harness.OrderQueue().ReceiveMessagesAsync(1)).Value.Single();
            await poison.CreateIfNotExistsAsync();
            await poison.SendMessageAsync(taken.Body.ToString());
            await harness.OrderQueue().DeleteMessageAsync(taken.MessageId, taken.PopReceipt);

            var replay = await ReplayAsync(harness, """{"queue":"orders","max":1}""");
            var processed = await harness.ProcessOrderQueueAsync();

            Assert.Equal(1, replay.Body.GetProperty("replayed").GetInt32());
            Assert.Equal(1, processed);
            Assert.Equal(QPay.Functions.Payments.Sessions.SessionStatus.Processed, (await harness.Get<QPay.Functions.Payments.Sessions.ISessionStore>().GetAsync(sessionId, default))!.Status);
        }
        finally
        {
            await poison.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task A_poison_queue_that_does_not_exist_lists_empty_and_replays_nothing()
    {
        await using var harness = await PaymentsHarness.StartAsync();

        var listed = await Invoke(harness.Function<PoisonFunctions>().ListPoisonMessages, HttpRequests.Get("", headers: Internal));
        var replay = await ReplayAsync(harness, """{"queue":"reconcile"}""");

        Assert.All(listed.Body.GetProperty("queues").EnumerateArray(), q =>
        {
            Assert.Equal(0, q.GetProperty("approximateCount").GetInt32());
            Assert.Empty(q.GetProperty("messages").EnumerateArray());
        });
        Assert.Equal((StatusCodes.Status200OK, 0, 0), (replay.Status, replay.Body.GetProperty("replayed").GetInt32(), replay.Body.GetProperty("remaining").GetInt32()));
        Assert.False(await Queue(harness.ReconcileQueueName + "-poison").ExistsAsync());
    }

    [Fact]
    public async Task A_replayed_ereceipt_message_of_a_FAILED_receipt_sets_it_going_again_until_REGISTERED()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.PostConfigure<EbarimtOptions>(o => o.RetryBackoff = TimeSpan.Zero));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(AdminRoutesTests.NewUser());
        var paymentId = await harness.PayAsync(invoiceId);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.EbarimtCreate, Status = 400, Error = "EBARIMT_NOT_REGISTERED", Count = 5 });
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();
        await harness.ProcessReceiptQueueAsync(maxRounds: 10);
        Assert.Equal(ReceiptStatus.Failed, (await harness.Get<IReceiptStore>().GetAsync(sessionId, paymentId, default))!.Status);
        Assert.Single((await harness.ReceiptPoisonQueue().PeekMessagesAsync(10)).Value);

        var replay = await ReplayAsync(harness, """{"queue":"ebarimt"}""");
        await harness.ProcessReceiptQueueAsync();

        Assert.Equal((StatusCodes.Status200OK, 1, 0), (replay.Status, replay.Body.GetProperty("replayed").GetInt32(), replay.Body.GetProperty("remaining").GetInt32()));
        Assert.Equal(ReceiptStatus.Registered, (await harness.Get<IReceiptStore>().GetAsync(sessionId, paymentId, default))!.Status);
        Assert.Equal(6, harness.QPayCalls(EndpointKeys.EbarimtCreate));
        Assert.Contains(await harness.EventsAsync(sessionId), e => e.Event.Type == PaymentEventTypes.PoisonReplayed);
    }

    private static QueueClient Queue(string name) =>
        new(LocalStack.StorageConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    private static Task<Answer> Invoke(Func<HttpRequest, CancellationToken, Task<Microsoft.AspNetCore.Mvc.IActionResult>> function, HttpRequest request) =>
        PaymentsHarness.InvokeAsync(function, request);

    private static Task<Answer> ReplayAsync(PaymentsHarness harness, string body) =>
        Invoke(harness.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", body, headers: Internal));
}
