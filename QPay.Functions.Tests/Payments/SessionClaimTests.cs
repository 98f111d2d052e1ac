using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// The claim in its session's partition (design §5): where it is written, what a payment costs in
/// storage requests (counted), the races the transaction settles, and sessions from before the move.
/// </summary>
public sealed class SessionClaimTests
{
    [Fact]
    public async Task A_new_sessions_claim_is_a_row_of_its_partition_and_not_of_processed_invoices()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-sc-where");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));

        var storage = harness.Get<StorageClients>();
        var sessions = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var legacy = await storage.GetTableAsync(StorageNames.ProcessedInvoicesTable, default);
        var row = await sessions.GetEntityIfExistsAsync<TableEntity>(sessionId, "claim~" + invoiceId);
        Assert.True(row.HasValue);
        Assert.Equal(nameof(ClaimState.Verified), row.Value!.GetString("State"));
        Assert.False((await legacy.GetEntityIfExistsAsync<TableEntity>(invoiceId, "claim")).HasValue);
        Assert.True((await sessions.GetEntityAsync<TableEntity>(sessionId, "session")).Value.GetBoolean("ClaimInSessionPartition"));
    }

    [Fact]
    public async Task A_processed_webhook_and_its_order_creation_cost_the_counted_storage_requests()
    {
        // The audit trail writes in batches off the payment's path: left out of this count. A payment
        // without excess or e-receipts (each adds its own requests); the harness's cart has a coupon.
        await using var harness = await PaymentsHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["QPAY_EBARIMT_ENABLED"] = "false" },
            services: s => s.AddSingleton<IPaymentAudit>(new DiscardingAudit()));
        var counter = harness.Get<StorageRequestCounter>();
        // A first payment creates the tables and queues (a create is a request too, once per process).
        var (warmSession, warmInvoice) = await harness.SeedTwoSellerSessionAsync("user-sc-count");
        await harness.CallbackAsync(warmInvoice, await harness.PayAsync(warmInvoice));
        await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(warmSession, warmInvoice), default);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-sc-count");
        var paymentId = await harness.PayAsync(invoiceId);

        var beforeWebhook = counter.Snapshot();
        var answer = await harness.CallbackAsync(invoiceId, paymentId);
        var webhook = counter.Snapshot() - beforeWebhook;
        var beforeOrders = counter.Snapshot();
        var orderIds = await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default);
        var orders = counter.Snapshot() - beforeOrders;

        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Equal(2, orderIds.Count);
        // The floor's three and one: the session and its claim (two point reads side by side), the claim with the
        // session PAID (one transaction), the order message.
        Assert.Equal(new StorageRequestCounts(Table: 3, Queue: 1), webhook);
        // The session with its claim and its home row in the reconciler's index (one partition query), the
        // coupon's redemption (its two, unchanged), both sellers' orders (one transaction), the session PROCESSED
        // with the claim OrdersCreated and the home row deleted (one transaction), the index's due row deleted.
        // Without the coupon: 4.
        Assert.Equal(new StorageRequestCounts(Table: 6, Queue: 0), orders);
        Assert.Null(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));
        Assert.Equal(0, await harness.DueRowsAsync(sessionId));
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task Order_creation_without_a_coupon_costs_four_counted_storage_requests()
    {
        await using var harness = await PaymentsHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["QPAY_EBARIMT_ENABLED"] = "false" },
            services: s => s.AddSingleton<IPaymentAudit>(new DiscardingAudit()));
        var counter = harness.Get<StorageRequestCounter>();
        var (warmSession, warmInvoice) = await SeedWithoutCouponAsync(harness, "user-sc-count4");
        await harness.CallbackAsync(warmInvoice, await harness.PayAsync(warmInvoice));
        await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(warmSession, warmInvoice), default);
        var (sessionId, invoiceId) = await SeedWithoutCouponAsync(harness, "user-sc-count4");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        Assert.NotNull(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));

        var before = counter.Snapshot();
        var orderIds = await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default);
        var orders = counter.Snapshot() - before;

        Assert.Equal(2, orderIds.Count);
        // The partition query (session, claim, home row), the orders' transaction, the finishing transaction
        // (session PROCESSED, claim OrdersCreated, home row deleted), the due row deleted.
        Assert.Equal(new StorageRequestCounts(Table: 4, Queue: 0), orders);
        Assert.Null(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));
        Assert.Equal(0, await harness.DueRowsAsync(sessionId));
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    /// <summary>The two-seller cart without its coupon: 2×10.25 + 1×5 = 25.50 USD.</summary>
    private static async Task<(string SessionId, string InvoiceId)> SeedWithoutCouponAsync(PaymentsHarness harness, string userId)
    {
        var answer = await harness.SeedAsync(userId, Carts.TwoSellersWithoutCoupon);
        Assert.Equal(200, answer.Status);
        return (answer.Body.GetProperty("sessionId").GetString()!, answer.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!);
    }

    [Fact]
    public async Task A_session_cancelled_between_the_read_and_the_claim_is_decided_again_as_a_late_payment()
    {
        IProcessedInvoiceStore? inner = null;
        ISessionStore? sessions = null;
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IProcessedInvoiceStore>(sp =>
        {
            inner = ActivatorUtilities.CreateInstance<ProcessedInvoiceTableStore>(sp);
            sessions = sp.GetRequiredService<ISessionStore>();
            return new BeforeFirstWrite(inner, read => sessions.UpdateAsync(
                read.Session.SessionId, x => x with { Status = SessionStatus.Cancelled, CancelledAt = DateTimeOffset.UtcNow }, default));
        }));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-sc-412");
        var paymentId = await harness.PayAsync(invoiceId);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(SessionStatus.Paid, session.Status);
        Assert.NotNull(session.LatePaymentAt); // decided on the CANCELLED it found on the second read
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "LatePayment");
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Equal(1, await harness.QueuedOrderMessagesAsync());
    }

    [Fact]
    public async Task A_claim_written_by_another_caller_between_the_read_and_the_claim_wins_and_ours_writes_nothing()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IProcessedInvoiceStore>(sp =>
        {
            var inner = ActivatorUtilities.CreateInstance<ProcessedInvoiceTableStore>(sp);
            return new BeforeFirstWrite(inner, async read => Assert.True(await inner.TryClaimAsync(
                Claim(read.Session.SessionId, read.Session.InvoiceId!, "another-caller"), default)));
        }));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-sc-409");
        var paymentId = await harness.PayAsync(invoiceId);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.Equal("DUPLICATE", answer.Reason);
        Assert.Equal("another-caller", (await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default))!.ClaimId);
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status); // not our PAID: all or nothing
        Assert.Equal(0, await harness.QueuedOrderMessagesAsync());
    }

    [Fact]
    public async Task Our_own_transaction_stored_with_its_reply_lost_still_counts_as_ours()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IProcessedInvoiceStore>(sp =>
            new LostReply(ActivatorUtilities.CreateInstance<ProcessedInvoiceTableStore>(sp))));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-sc-lost");
        var paymentId = await harness.PayAsync(invoiceId);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Equal(SessionStatus.Paid, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Equal(1, await harness.QueuedOrderMessagesAsync());
        Assert.Equal(1, await harness.ProcessOrderQueueAsync());
    }

    [Fact]
    public async Task A_session_from_before_claims_moved_keeps_its_claim_in_processed_invoices_to_the_end()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-sc-legacy");
        var storage = harness.Get<StorageClients>();
        var sessions = await storage.GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var row = (await sessions.GetEntityAsync<TableEntity>(sessionId, "session")).Value;
        row.Remove("ClaimInSessionPartition"); // a row as the previous release wrote it
        await sessions.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        await harness.Get<ISessionCache>().RemoveAsync(sessionId);

        var answer = await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        var duplicate = await harness.CallbackAsync(invoiceId, "p-dup");
        await harness.ProcessOrderQueueAsync();

        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Equal("DUPLICATE", duplicate.Reason);
        var legacy = await storage.GetTableAsync(StorageNames.ProcessedInvoicesTable, default);
        var claimRow = await legacy.GetEntityIfExistsAsync<TableEntity>(invoiceId, "claim");
        Assert.Equal(nameof(ClaimState.OrdersCreated), claimRow.Value!.GetString("State"));
        Assert.False((await sessions.GetEntityIfExistsAsync<TableEntity>(sessionId, "claim~" + invoiceId)).HasValue);
        Assert.Equal(ClaimState.OrdersCreated, (await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default))!.State);
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(SessionStatus.Processed, session.Status);
        Assert.False(session.ClaimInSessionPartition); // a later write does not move it: the claim stays where it is
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    private static ProcessedInvoice Claim(string sessionId, string invoiceId, string claimId) => new()
    {
        InvoiceId = invoiceId,
        SessionId = sessionId,
        ClaimId = claimId,
        State = ClaimState.Verified,
        PaidMnt = Carts.TwoSellersMnt,
        PaymentIds = ["p-other"],
        OrderIds = OrderIds.For(invoiceId, ["shop-a", "shop-b"]),
        VerifiedAt = DateTimeOffset.UtcNow,
        EnqueuedAt = DateTimeOffset.UtcNow,
    };


    /// <summary>The real store; before its first write of a claim with its session, someone else acts.</summary>
    private sealed class BeforeFirstWrite(IProcessedInvoiceStore inner, Func<SessionWithClaim, Task> meanwhile) : DelegatingClaimStore(inner)
    {
        private int _writes;

        public override async Task<SessionClaimWrite> TryWriteWithSessionAsync(
            SessionWithClaim read, ProcessedInvoice claim, Func<PaymentSession, PaymentSession?>? sessionChange, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _writes) == 1)
            {
                await meanwhile(read);
            }

            return await base.TryWriteWithSessionAsync(read, claim, sessionChange, cancellationToken);
        }
    }

    /// <summary>The first write is stored but answered as a conflict, as a retried transaction whose first reply was lost is.</summary>
    private sealed class LostReply(IProcessedInvoiceStore inner) : DelegatingClaimStore(inner)
    {
        private int _writes;

        public override async Task<SessionClaimWrite> TryWriteWithSessionAsync(
            SessionWithClaim read, ProcessedInvoice claim, Func<PaymentSession, PaymentSession?>? sessionChange, CancellationToken cancellationToken)
        {
            var written = await base.TryWriteWithSessionAsync(read, claim, sessionChange, cancellationToken);
            if (Interlocked.Increment(ref _writes) == 1)
            {
                Assert.True(written.Written);
                return await base.TryWriteWithSessionAsync(read, claim, sessionChange, cancellationToken); // the retry: 409 on the claim
            }

            return written;
        }
    }
}
