using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Reliability;

/// <summary>
/// Faults during a payment, each ending the same way: every paid session PROCESSED, each of its
/// orders exactly once, nothing paid left behind. Recovery comes from the queue, a later callback
/// or the reconciler — never from a human.
/// </summary>
public sealed class FaultTests
{
    private static readonly Action<IServiceCollection> FastRecovery = PaymentsHarness.ImmediateRecovery;

    [Fact]
    public async Task Redis_stopped_mid_flow_and_restarted_changes_speed_not_outcome()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var harness = await PaymentsHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["REDIS_DATABASE_URI"] = redis.Uri },
            services: FastRecovery);
        var user = "user-fault-redis";
        var (beforeOutage, invoiceBefore) = await harness.SeedTwoSellerSessionAsync(user);

        await redis.StopAsync();
        var (duringOutage, invoiceDuring) = await harness.SeedTwoSellerSessionAsync(user);
        var callbackBefore = await harness.CallbackAsync(invoiceBefore, await harness.PayAsync(invoiceBefore));
        var callbackDuring = await harness.CallbackAsync(invoiceDuring, await harness.PayAsync(invoiceDuring));
        await harness.ProcessOrderQueueAsync();
        var statusDuring = await StatusOf(harness, user, beforeOutage);

        await redis.StartAgainAsync();
        var (afterOutage, invoiceAfter) = await harness.SeedTwoSellerSessionAsync(user);
        var callbackAfter = await harness.CallbackAsync(invoiceAfter, await harness.PayAsync(invoiceAfter));
        await harness.ProcessOrderQueueAsync();

        Assert.True(callbackBefore.Body.GetProperty("processed").GetBoolean());
        Assert.True(callbackDuring.Body.GetProperty("processed").GetBoolean());
        Assert.True(callbackAfter.Body.GetProperty("processed").GetBoolean());
        Assert.Equal("PROCESSED", statusDuring);
        await AssertProcessedOnceAsync(harness, user, beforeOutage, duringOutage, afterOutage);
        Assert.Equal("PROCESSED", await StatusOf(harness, user, afterOutage));
    }

    [Fact]
    public async Task A_redis_copy_cached_before_an_outage_is_not_trusted_after_it()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["REDIS_DATABASE_URI"] = redis.Uri });
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-fault-stale");
        Assert.Equal("PENDING", await StatusOf(harness, "user-fault-stale", sessionId));

        var key = (StackExchange.Redis.RedisKey)QPay.Functions.Payments.Sessions.RedisSessionCache.Key(sessionId);
        await using var direct = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        var copyBeforeOutage = await direct.GetDatabase().StringGetAsync(key);
        var connection = harness.Get<QPay.Functions.Storage.RedisConnection>();

        // Redis hangs (its data survives); a change lands in Table Storage meanwhile.
        await redis.SuspendAsync();
        var duringOutage = await StatusOf(harness, "user-fault-stale", sessionId);
        var degraded = connection.IsDegraded;
        await harness.Get<ISessionStore>().UpdateAsync(sessionId, s => s with { Status = SessionStatus.Paid, PaidMnt = s.ExpectedMnt }, default);
        await redis.ResumeAsync();
        // The change's Redis refresh is lost: Redis still holds the copy cached before the outage.
        await direct.GetDatabase().StringSetAsync(key, copyBeforeOutage, TimeSpan.FromMinutes(5));
        var afterOutage = await StatusOf(harness, "user-fault-stale", sessionId);

        Assert.False(copyBeforeOutage.IsNullOrEmpty);
        Assert.True(degraded);
        Assert.NotNull(connection.LastRecoveredAt);
        Assert.Equal("PENDING", duringOutage); // read from Table: the change had not happened yet
        Assert.Equal("PAID", afterOutage);     // not the PENDING copy still in Redis
    }

    [Fact]
    public async Task Qpay_answering_500_at_verification_is_completed_by_the_reconciler()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: FastRecovery);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-fault-500");
        var paymentId = await harness.PayAsync(invoiceId);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, Status = 500, Count = 1_000 });

        var callback = await harness.CallbackAsync(invoiceId, paymentId);
        harness.Sandbox.ClearFaults(); // QPay recovers
        await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.Equal("VERIFICATION_FAILED", callback.Reason);
        await AssertProcessedOnceAsync(harness, "user-fault-500", sessionId);
    }

    [Fact]
    public async Task Qpay_stalling_past_the_timeout_at_verification_is_completed_by_the_reconciler()
    {
        await using var harness = await PaymentsHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["QPAY_ATTEMPT_TIMEOUT_SEC"] = "3", ["QPAY_TOTAL_TIMEOUT_SEC"] = "6" },
            services: FastRecovery);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-fault-stall");
        var paymentId = await harness.PayAsync(invoiceId);
        // Every check stalls until QPay recovers: how many attempts fit in the timeout is up to the machine.
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, DelayMs = 60_000, Count = 100 });

        var callback = await harness.CallbackAsync(invoiceId, paymentId);
        harness.Sandbox.ClearFaults();
        await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.Equal("VERIFICATION_FAILED", callback.Reason);
        await AssertProcessedOnceAsync(harness, "user-fault-stall", sessionId);
    }

    [Fact]
    public async Task A_callback_never_delivered_is_completed_by_the_reconciler()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: FastRecovery);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-fault-nocallback");
        await harness.PayAsync(invoiceId);

        await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        await AssertProcessedOnceAsync(harness, "user-fault-nocallback", sessionId);
    }

    [Fact]
    public async Task Tokens_revoked_mid_flow_cost_one_login_and_lose_nothing()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-fault-token");
        var paymentId = await harness.PayAsync(invoiceId);

        harness.Sandbox.ExpireTokens();
        var callback = await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();

        Assert.True(callback.Body.GetProperty("processed").GetBoolean());
        Assert.Equal(2, harness.QPayCalls(EndpointKeys.Token));
        await AssertProcessedOnceAsync(harness, "user-fault-token", sessionId);
    }

    [Fact]
    public async Task A_crash_between_the_claim_and_the_enqueue_ends_in_orders()
    {
        var queue = new FailOnceOrderQueue();
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
        {
            FastRecovery(s);
            s.AddSingleton<IOrderQueue>(sp => queue.Wrap(ActivatorUtilities.CreateInstance<StorageOrderQueue>(sp)));
        });
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-fault-crash");

        var callback = await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        var queuedAfterCrash = await harness.QueuedOrderMessagesAsync();
        var claimAfterCrash = await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default);
        await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.True(callback.Body.GetProperty("processed").GetBoolean());
        Assert.Equal(0, queuedAfterCrash);
        Assert.Equal(ClaimState.Verified, claimAfterCrash!.State);
        await AssertProcessedOnceAsync(harness, "user-fault-crash", sessionId);
    }

    [Fact]
    public async Task Order_creation_failing_for_one_seller_then_recovering_ends_with_each_order_once()
    {
        var failures = 0;
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
            s.AddSingleton<IOrderStore>(sp => new ShopFailingOrderStore(ActivatorUtilities.CreateInstance<OrderTableStore>(sp), "shop-b", () => ++failures <= 3)));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-fault-seller");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));

        var attempts = 0;
        while (true)
        {
            attempts++;
            try
            {
                await harness.ProcessOrderQueueAsync();
                break;
            }
            catch (InvalidOperationException) when (attempts < 5)
            {
                // the queue redelivers; the host would do the same up to maxDequeueCount
            }
        }

        Assert.Equal(4, attempts);
        await AssertProcessedOnceAsync(harness, "user-fault-seller", sessionId);
    }

    private static async Task<string?> StatusOf(PaymentsHarness harness, string userId, string sessionId) =>
        (await harness.Get<QPay.Functions.Payments.Status.PaymentStatusService>().GetAsync(sessionId, userId, default))?.Status;

    /// <summary>Every given session PROCESSED, its claim OrdersCreated, one order per seller, none twice.</summary>
    private static async Task AssertProcessedOnceAsync(PaymentsHarness harness, string userId, params string[] sessionIds)
    {
        var orders = await harness.Get<IOrderStore>().ListForUserAsync(userId, default);
        foreach (var sessionId in sessionIds)
        {
            var session = await harness.Get<ISessionStore>().GetAsync(sessionId, default);
            Assert.Equal(SessionStatus.Processed, session!.Status);
            var claim = await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, session.InvoiceId!, default);
            Assert.Equal(ClaimState.OrdersCreated, claim!.State);
            var ofSession = orders.Where(o => o.SessionId == sessionId).ToList();
            Assert.Equal(session.Sellers.Order(), ofSession.Select(o => o.ShopId).Order());
            Assert.Equal(session.OrderIds.Order(), ofSession.Select(o => o.OrderId).Order());
        }

        Assert.Equal(orders.Count, orders.Select(o => o.OrderId).Distinct().Count());
        Assert.Equal(0, await harness.QueuedOrderMessagesAsync());
    }

    private sealed class FailOnceOrderQueue
    {
        private int _calls;

        public IOrderQueue Wrap(IOrderQueue inner) => new Queue(this, inner);

        private sealed class Queue(FailOnceOrderQueue owner, IOrderQueue inner) : IOrderQueue
        {
            public Task EnqueueAsync(OrderCreationMessage message, CancellationToken cancellationToken) =>
                Interlocked.Increment(ref owner._calls) == 1
                    ? throw new IOException("simulated crash between the claim and the enqueue")
                    : inner.EnqueueAsync(message, cancellationToken);
        }
    }

    private sealed class ShopFailingOrderStore(IOrderStore inner, string shopId, Func<bool> shouldFail) : IOrderStore
    {
        public Task UpsertAllAsync(IReadOnlyList<Order> orders, CancellationToken cancellationToken) =>
            orders.Any(o => o.ShopId == shopId) && shouldFail()
                ? throw new InvalidOperationException($"simulated failure writing {shopId}'s order")
                : inner.UpsertAllAsync(orders, cancellationToken);

        public Task<IReadOnlyList<Order>> ListForUserAsync(string userId, CancellationToken cancellationToken) =>
            inner.ListForUserAsync(userId, cancellationToken);

        public Task<Order?> GetAsync(string userId, string orderId, CancellationToken cancellationToken) =>
            inner.GetAsync(userId, orderId, cancellationToken);

        public Task<bool> MarkRefundAsync(string userId, string orderId, OrderRefund refund, CancellationToken cancellationToken) =>
            inner.MarkRefundAsync(userId, orderId, refund, cancellationToken);
    }
}
