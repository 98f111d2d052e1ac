using System.Reflection;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Operations;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments.Operations;

/// <summary>
/// Poison messages never expire (Azurite): a queue function's last failing attempt keeps its message on the
/// poison queue with time-to-live -1 and completes; a copy the runtime moved itself (7-day time-to-live) is
/// re-sent by the keeper to never expire and only then deleted, and stays as it was if the re-send fails.
/// </summary>
public sealed class PoisonKeepingTests
{
    private const long LastAttempt = global::QPay.Functions.Payments.Orders.OrderCreationService.MaxDequeueCount;

    /// <summary>The aliases of the four queue functions (AppQueues).</summary>
    public static TheoryData<string> QueueFunctions() => ["orders", "refunds", "reconcile", "ebarimt"];

    [Theory]
    [MemberData(nameof(QueueFunctions))]
    public async Task A_message_failing_its_last_attempt_is_kept_on_the_poison_queue_never_to_expire_and_the_function_completes(string alias)
    {
        var sessionId = "s" + Guid.NewGuid().ToString("N");
        var (body, poisonedEvent, failingStore) = alias switch
        {
            "orders" => ($$"""{"sessionId":"{{sessionId}}","invoiceId":"no-such-invoice"}""", "OrderCreationPoisoned", (Action<IServiceCollection>?)null),
            "refunds" => ($$"""{"sessionId":"{{sessionId}}"}""", "RefundMessagePoisoned", s => s.Replace(ServiceDescriptor.Singleton(Failing<ISessionStore>()))),
            "reconcile" => ($$"""{"sessionId":"{{sessionId}}","ticket":"t1"}""", "ReconcileMessagePoisoned", s => s.Replace(ServiceDescriptor.Singleton(Failing<IPendingSessionIndex>()))),
            _ => ($$"""{"sessionId":"{{sessionId}}","paymentId":"p1"}""", "ReceiptMessagePoisoned", s => s.Replace(ServiceDescriptor.Singleton(Failing<IReceiptStore>()))),
        };
        await using var harness = await PaymentsHarness.StartAsync(services: failingStore);
        var queue = harness.Get<AppQueues>().Find(alias)!;
        var poison = PaymentsHarness.PoisonQueueOf(queue.Name);

        await Assert.ThrowsAnyAsync<Exception>(() => Invoke(harness, alias, PaymentsHarness.Message(body, dequeueCount: LastAttempt - 1)));
        Assert.False(await poison.ExistsAsync(), "an attempt before the last put the message on the poison queue");

        await Invoke(harness, alias, PaymentsHarness.Message(body, dequeueCount: LastAttempt));

        var kept = Assert.Single((await poison.PeekMessagesAsync(32)).Value);
        Assert.Equal(body, kept.Body.ToString());
        AssertNeverExpires(kept.ExpiresOn);
        var error = Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == poisonedEvent);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains(sessionId, error.Message);
    }

    [Fact]
    public async Task A_last_attempt_whose_poison_write_fails_throws_so_the_runtime_moves_the_message()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton(Failing<IPoisonQueue>())));
        var message = PaymentsHarness.Message("""{"sessionId":"no-such-session","invoiceId":"no-such-invoice"}""", dequeueCount: LastAttempt);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => harness.Function<OrderCreationFunction>().CreateOrders(message, default));

        Assert.Equal(503, error.Status);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "OrderCreationPoisoned");
    }

    [Fact]
    public async Task A_runtime_poison_copy_with_a_7_day_time_to_live_is_re_sent_never_to_expire_and_the_original_is_gone()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var poison = PaymentsHarness.PoisonQueueOf(harness.OrderQueueName);
        await poison.CreateIfNotExistsAsync();
        const string runtimeBody = """{"sessionId":"s-runtime","invoiceId":"i-runtime"}""";
        const string keptBody = """{"sessionId":"s-kept","invoiceId":"i-kept"}""";
        var runtimeCopy = (await poison.SendMessageAsync(runtimeBody)).Value; // as the runtime moves it: the default time-to-live
        var alreadyKept = (await poison.SendMessageAsync(keptBody, timeToLive: StorageClients.NeverExpires)).Value;
        Assert.True(PoisonQueue.Expires(runtimeCopy.ExpirationTime), $"Azurite gave the runtime-style copy no expiry: {runtimeCopy.ExpirationTime:O}");

        var keeping = await harness.Get<PoisonKeeper>().RunAsync(default);

        Assert.Equal(new PoisonKeeping(Kept: 1, Failed: 0), keeping);
        var messages = (await poison.PeekMessagesAsync(32)).Value; // the message only looked at is visible again at once
        Assert.Equal([keptBody, runtimeBody], messages.Select(m => m.Body.ToString()).Order());
        Assert.All(messages, m => AssertNeverExpires(m.ExpiresOn));
        Assert.DoesNotContain(messages, m => m.MessageId == runtimeCopy.MessageId);
        Assert.Contains(messages, m => m.MessageId == alreadyKept.MessageId);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "PoisonMessagesKept" && r.Message.Contains(poison.Name));

        Assert.Equal(new PoisonKeeping(Kept: 0, Failed: 0), await harness.Get<PoisonKeeper>().RunAsync(default));
    }

    [Fact]
    public async Task Nothing_is_lost_when_the_keepers_re_send_fails_the_original_stays_as_it_was()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton(Failing<IPoisonQueue>())));
        var poison = PaymentsHarness.PoisonQueueOf(harness.RefundQueueName);
        await poison.CreateIfNotExistsAsync();
        const string body = """{"sessionId":"s-runtime"}""";
        var runtimeCopy = (await poison.SendMessageAsync(body)).Value;

        var keeping = await harness.Get<PoisonKeeper>().RunAsync(default);

        Assert.Equal(new PoisonKeeping(Kept: 0, Failed: 1), keeping);
        var original = Assert.Single((await poison.PeekMessagesAsync(32)).Value);
        Assert.Equal((runtimeCopy.MessageId, body), (original.MessageId, original.Body.ToString()));
        Assert.True(PoisonQueue.Expires(original.ExpiresOn));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "PoisonKeepingFailed" && r.Level == LogLevel.Warning && r.Message.Contains(poison.Name));
    }

    [Fact]
    public async Task A_kept_poison_message_is_still_replayed_to_its_queue_and_then_deleted()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var poisonQueue = harness.Get<IPoisonQueue>();
        const string body = """{"sessionId":"s-replay","invoiceId":"i-replay"}""";
        await poisonQueue.KeepAsync(harness.OrderQueueName, body, default);

        var replay = await harness.Get<PoisonMessages>().ReplayAsync(harness.Get<AppQueues>().Orders, 10, default);

        Assert.Equal(new PoisonReplay(1, 0), replay);
        Assert.Equal(body, Assert.Single((await harness.OrderQueue().PeekMessagesAsync(32)).Value).Body.ToString());
        Assert.Empty((await PaymentsHarness.PoisonQueueOf(harness.OrderQueueName).PeekMessagesAsync(32)).Value);
    }

    /// <summary>Time-to-live -1 reads back as 9999-12-31 23:59:59 UTC (Azure; Azurite's NEVER_EXPIRE_DATE), not as a missing date.</summary>
    internal static void AssertNeverExpires(DateTimeOffset? expiresOn)
    {
        Assert.True(expiresOn is { Year: 9999, Month: 12, Day: 31 }, $"the poison copy expires on {expiresOn:O}");
        Assert.False(PoisonQueue.Expires(expiresOn));
    }

    private static Task Invoke(PaymentsHarness harness, string alias, Azure.Storage.Queues.Models.QueueMessage message) => alias switch
    {
        "orders" => harness.Function<OrderCreationFunction>().CreateOrders(message, default),
        "refunds" => harness.Function<RefundQueueFunction>().ProcessRefund(message, default),
        "reconcile" => harness.Function<ReconcileQueueFunction>().ReconcileSession(message, default),
        _ => harness.Function<ReceiptQueueFunction>().IssueReceipt(message, default),
    };

    /// <summary>An implementation of <typeparamref name="T"/> whose every call fails as unavailable storage does.</summary>
    private static T Failing<T>() where T : class => DispatchProxy.Create<T, FailingProxy>();

    public class FailingProxy : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            throw new RequestFailedException(503, "storage is unavailable (test)");
    }
}
