using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;

namespace QPay.Functions.Tests.Payments.Receipts;

/// <summary>
/// The e-receipt writes that save a read (a row changed under the ETag in hand; the session's summary read before the
/// rows) and the messages queued after the session PROCESSED, against Azurite, Redis and the QPay sandbox.
/// </summary>
public sealed class ReceiptWriteTests
{
    [Fact]
    public async Task A_change_of_a_row_held_at_an_older_ETag_is_made_again_on_the_row_as_it_is_now()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var store = harness.Get<IReceiptStore>();
        var sessionId = "receipt-etag-" + Guid.NewGuid().ToString("N");
        Assert.True(await store.AddAsync(new ReceiptRecord { SessionId = sessionId, PaymentId = "p1", InvoiceId = "inv", Status = ReceiptStatus.Pending, CreatedAt = DateTimeOffset.UtcNow }, default));
        var held = (await store.GetAsync(sessionId, "p1", default))!;
        Assert.NotNull(held.StoredETag);
        var (other, _) = await store.UpdateAsync(sessionId, "p1", r => r with { CancelRequested = true }, default);

        var seen = new List<bool>();
        var (stored, changed) = await store.UpdateAsync(held, r =>
        {
            seen.Add(r.CancelRequested);
            return r with { Attempts = r.Attempts + 1 };
        }, default);

        // Asked first on the row in hand, then again on the row read after the 412.
        Assert.Equal([false, true], seen);
        Assert.True(changed);
        Assert.Equal((1, true), (stored!.Attempts, stored.CancelRequested));
        Assert.NotEqual(other!.StoredETag, stored.StoredETag);
        var read = (await store.GetAsync(sessionId, "p1", default))!;
        Assert.Equal((1, true, read.StoredETag), (read.Attempts, read.CancelRequested, stored.StoredETag));

        // The answer's ETag is the stored one: the next change in hand is written in one request.
        var (next, nextChanged) = await store.UpdateAsync(stored, r => r with { LastError = "X" }, default);
        Assert.True(nextChanged);
        Assert.Equal(("X", 1), (next!.LastError, next.Attempts));
    }

    [Fact]
    public async Task Two_receipts_finishing_at_once_leave_the_newer_summary_on_the_session()
    {
        var gate = new ListGate();
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
            s.AddSingleton<IReceiptStore>(sp => new GatedReceiptStore(ActivatorUtilities.CreateInstance<ReceiptTable>(sp), gate)));
        var store = harness.Get<IReceiptStore>();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-receipt-race");
        var first = await harness.PayAsync(invoiceId, amount: 30_000m);
        var second = await harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt - 30_000m, type: "CARD");
        await harness.CallbackAsync(invoiceId, second);
        await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default);
        var service = harness.Get<ReceiptService>();
        Assert.Equal(ReceiptStatus.Pending, (await Session(harness, sessionId)).Receipts!.Status);

        // The first receipt's sync lists the rows (the second still PENDING) and is held before its write.
        await store.UpdateAsync(sessionId, first, r => r with { Status = ReceiptStatus.Registered }, default);
        var held = gate.HoldNextList();
        var older = service.SyncAsync(sessionId, default);
        await held.Listed;
        // The second finishes and writes the summary of both REGISTERED meanwhile.
        await store.UpdateAsync(sessionId, second, r => r with { Status = ReceiptStatus.Registered }, default);
        await service.SyncAsync(sessionId, default);
        Assert.Equal(ReceiptStatus.Registered, (await Session(harness, sessionId)).Receipts!.Status);

        held.Release();
        var rows = await older;

        // Its write under the session's older ETag failed; it read the session and the rows again.
        Assert.All(rows, r => Assert.Equal(ReceiptStatus.Registered, r.Status));
        var receipts = (await Session(harness, sessionId)).Receipts!;
        Assert.Equal(ReceiptStatus.Registered, receipts.Status);
        Assert.All(receipts.Receipts, line => Assert.Equal(ReceiptStatus.Registered, line.Status));
    }

    [Fact]
    public async Task Orders_created_by_a_delivery_that_stopped_before_queueing_the_receipt_get_it_queued_by_the_next_delivery()
    {
        var queueFails = true;
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IReceiptQueue>(sp =>
            new FailingReceiptQueue(ActivatorUtilities.CreateInstance<StorageReceiptQueue>(sp), () => queueFails)));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-receipt-stopped");
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);
        var orders = harness.Get<OrderCreationService>();

        await Assert.ThrowsAsync<IOException>(() => orders.CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default));
        var session = await Session(harness, sessionId);
        Assert.Equal((SessionStatus.Processed, ReceiptStatus.Pending), (session.Status, session.Receipts!.Status));
        Assert.Equal(0, await harness.ProcessReceiptQueueAsync());

        queueFails = false;
        var again = await orders.CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default);
        Assert.Equal(session.OrderIds, again);
        Assert.Equal(1, await harness.ProcessReceiptQueueAsync());

        Assert.Equal(ReceiptStatus.Registered, (await Session(harness, sessionId)).Receipts!.Status);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.EbarimtCreate));
        // A later delivery finds it issued and queues nothing.
        await orders.CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default);
        Assert.Equal(0, await harness.ProcessReceiptQueueAsync());
    }

    private static async Task<PaymentSession> Session(PaymentsHarness harness, string sessionId) =>
        (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;

    /// <summary>Holds one rows' query after it answered, until released.</summary>
    private sealed class ListGate
    {
        private Hold? _next;

        public Hold HoldNextList() => _next = new Hold();

        public Hold? Take() => Interlocked.Exchange(ref _next, null);

        public sealed class Hold
        {
            private readonly TaskCompletionSource _listed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public Task Listed => _listed.Task;

            public void Release() => _release.SetResult();

            public Task ListedThenWaitAsync()
            {
                _listed.SetResult();
                return _release.Task;
            }
        }
    }

    private sealed class GatedReceiptStore(IReceiptStore inner, ListGate gate) : IReceiptStore
    {
        public Task<ReceiptRecord?> GetAsync(string sessionId, string paymentId, CancellationToken cancellationToken) => inner.GetAsync(sessionId, paymentId, cancellationToken);

        public async Task<IReadOnlyList<ReceiptRecord>> ListAsync(string sessionId, CancellationToken cancellationToken)
        {
            var rows = await inner.ListAsync(sessionId, cancellationToken);
            if (gate.Take() is { } hold)
            {
                await hold.ListedThenWaitAsync();
            }

            return rows;
        }

        public Task<bool> AddAsync(ReceiptRecord record, CancellationToken cancellationToken) => inner.AddAsync(record, cancellationToken);

        public Task<(ReceiptRecord? Record, bool Changed)> UpdateAsync(string sessionId, string paymentId, Func<ReceiptRecord, ReceiptRecord?> change, CancellationToken cancellationToken) =>
            inner.UpdateAsync(sessionId, paymentId, change, cancellationToken);

        public Task<(ReceiptRecord? Record, bool Changed)> UpdateAsync(ReceiptRecord known, Func<ReceiptRecord, ReceiptRecord?> change, CancellationToken cancellationToken) =>
            inner.UpdateAsync(known, change, cancellationToken);
    }

    /// <summary>The real queue, whose sends fail while <c>fails</c> says so: a worker stopping before it queued.</summary>
    private sealed class FailingReceiptQueue(IReceiptQueue inner, Func<bool> fails) : IReceiptQueue
    {
        public Task EnqueueAsync(ReceiptMessage message, TimeSpan delay, CancellationToken cancellationToken) =>
            fails() ? throw new IOException("the worker stopped") : inner.EnqueueAsync(message, delay, cancellationToken);

        public Task PoisonAsync(ReceiptMessage message, CancellationToken cancellationToken) => inner.PoisonAsync(message, cancellationToken);
    }
}
