using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// The reconciler index's home row in its session's partition (PK sessionId, RK <see cref="PendingHome.RowKey"/>):
/// order creation deletes it in its finishing transaction, a move by an index writer in between makes that
/// transaction read again, and home rows written in the old place (PK the index's prefix, RK sessionId) are still
/// read, written back where they are, removed, and moved by the migration.
/// </summary>
public sealed class PendingHomeRowTests
{
    [Fact]
    public async Task A_new_entrys_home_row_is_a_row_of_its_sessions_partition()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-home-where");
        var table = await SessionsTableAsync(harness);

        var home = await table.GetEntityIfExistsAsync<TableEntity>(sessionId, PendingHome.RowKey);

        Assert.True(home.HasValue);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(Prefix(harness), sessionId)).HasValue);
        var entry = await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default);
        Assert.Equal(home.Value!.GetString("DueRow"), entry!.Slot!.Row);
        Assert.Equal(1, await harness.DueRowsAsync(sessionId));
    }

    [Fact]
    public async Task Seeding_writes_the_session_row_with_its_home_row_in_one_transaction_after_its_due_row()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IPaymentAudit>(new DiscardingAudit()));
        var counter = harness.Get<StorageRequestCounter>();
        await harness.SeedTwoSellerSessionAsync("user-home-seed"); // a first seed creates the tables (a create is a request too)

        var before = counter.Snapshot();
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-home-seed");
        var seed = counter.Snapshot() - before;

        // The pricing's three (both products, the coupon), the due row, the session row with its home row (one
        // transaction), the admin list's row, the invoice id written (read and replace), the open-session row and
        // the user's open-session list. The index had three of its own beside the session's insert before (its
        // home row read and upserted, the due row): 12.
        Assert.Equal(new StorageRequestCounts(Table: 10, Queue: 0), seed);
        var table = await SessionsTableAsync(harness);
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(sessionId, PendingHome.RowKey)).HasValue);
        Assert.Equal(1, await harness.DueRowsAsync(sessionId));
    }

    [Fact]
    public async Task A_reconciler_move_between_order_creations_read_and_its_finish_is_read_again_and_the_entry_still_leaves()
    {
        var moves = 0;
        FinishingWrites? store = null;
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IProcessedInvoiceStore>(sp =>
        {
            var index = sp.GetRequiredService<IPendingSessionIndex>();
            store = new FinishingWrites(ActivatorUtilities.CreateInstance<ProcessedInvoiceTableStore>(sp), async read =>
            {
                // As a visit handed out meanwhile does: the due row moves, the home row gets a new ETag.
                var entry = (await index.GetAsync(read.Session.SessionId, default))!;
                Assert.True(await index.UpdateAsync(entry with { NextCheckAt = DateTimeOffset.UtcNow.AddMinutes(5) }, default));
                moves++;
            });
            return store;
        }));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-home-race");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        var before = (await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default))!.Slot;

        var orderIds = await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default);

        Assert.Equal(1, moves);
        Assert.Equal(2, store!.Attempts); // the first finish met the moved home row (412) and was read and written again
        Assert.Equal(2, orderIds.Count);
        Assert.Null(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));
        Assert.Equal(0, await harness.DueRowsAsync(sessionId)); // the moved due row too, and the one before it
        var table = await SessionsTableAsync(harness);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(before!.Partition, before.Row)).HasValue);
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(SessionStatus.Processed, session.Status);
        Assert.Equal(orderIds, session.OrderIds);
        Assert.Equal(ClaimState.OrdersCreated, (await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default))!.State);
        Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "OrdersCreated");
    }

    [Fact]
    public async Task An_entry_in_the_old_place_is_still_read_listed_visited_and_written_back_there()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var index = harness.Get<IPendingSessionIndex>();
        var sessionId = NewId();
        var now = WholeSeconds(DateTimeOffset.UtcNow);
        await index.AddAsync(new PendingSessionEntry(sessionId, now.AddMinutes(-5), now.AddMinutes(-1)), default);
        var table = await SessionsTableAsync(harness);
        await ToOldPlaceAsync(table, Prefix(harness), sessionId);

        var read = await index.GetAsync(sessionId, default);
        var slot = Assert.Single(await index.ListDueAsync(100, default), s => s.SessionId == sessionId);
        var visit = await index.IssueAsync(slot, TimeSpan.FromMinutes(10), default);
        var begun = await index.BeginVisitAsync(sessionId, visit!.Ticket, TimeSpan.FromMinutes(10), default);
        var updated = await index.UpdateAsync(begun! with { Checks = 1, NextCheckAt = now.AddMinutes(3) }, default);

        Assert.NotNull(read);
        Assert.Equal(now.AddMinutes(-1), read.NextCheckAt);
        Assert.True(updated);
        var old = await table.GetEntityIfExistsAsync<TableEntity>(Prefix(harness), sessionId);
        Assert.Equal(1, old.Value!.GetInt32("Checks")); // written back where it was read
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(sessionId, PendingHome.RowKey)).HasValue);
        Assert.Equal(1, (await index.GetAsync(sessionId, default))!.Checks);
        Assert.Equal(1, await harness.DueRowsAsync(sessionId));
    }

    [Fact]
    public async Task Order_creation_removes_an_entry_in_the_old_place()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-home-old-orders");
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        var table = await SessionsTableAsync(harness);
        await ToOldPlaceAsync(table, Prefix(harness), sessionId);

        var orderIds = await harness.Get<OrderCreationService>().CreateOrdersAsync(new OrderCreationMessage(sessionId, invoiceId), default);

        Assert.Equal(2, orderIds.Count);
        Assert.Null(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(Prefix(harness), sessionId)).HasValue);
        Assert.Equal(0, await harness.DueRowsAsync(sessionId));
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task The_migration_moves_old_place_home_rows_into_their_sessions_partitions_keeping_what_they_hold()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var index = harness.Get<IPendingSessionIndex>();
        var table = await SessionsTableAsync(harness);
        var prefix = Prefix(harness);
        var now = WholeSeconds(DateTimeOffset.UtcNow);
        var due = new[] { NewId(), NewId() };
        foreach (var sessionId in due)
        {
            await index.AddAsync(new PendingSessionEntry(sessionId, now.AddMinutes(-5), now.AddMinutes(-1), Checks: 2, LastOutcome: "NOT_PAID"), default);
        }

        // One handed out (its due row a lease ahead, a ticket in its message), one written again since the upgrade.
        var issuedId = NewId();
        await index.AddAsync(new PendingSessionEntry(issuedId, now.AddMinutes(-5), now.AddMinutes(-1)), default);
        var visit = await index.IssueAsync(Assert.Single(await index.ListDueAsync(100, default), s => s.SessionId == issuedId), TimeSpan.FromMinutes(10), default);
        foreach (var sessionId in due.Append(issuedId))
        {
            await ToOldPlaceAsync(table, prefix, sessionId);
        }

        var both = NewId();
        await index.AddAsync(new PendingSessionEntry(both, now.AddMinutes(-5), now.AddMinutes(-1), Checks: 3), default);
        await ToOldPlaceAsync(table, prefix, both, keepNew: true, checks: 1); // as a move that stopped half-way leaves it
        var migration = harness.Get<PendingIndexMigration>();

        var moved = await migration.MoveAsync(200, default);
        var again = await migration.MoveAsync(200, default);

        Assert.Equal((4, 0), (moved, again));
        Assert.Empty(table.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {prefix}")).ToList());
        foreach (var sessionId in due)
        {
            var entry = (await index.GetAsync(sessionId, default))!;
            Assert.Equal((2, "NOT_PAID", now.AddMinutes(-1)), (entry.Checks, entry.LastOutcome, entry.NextCheckAt));
            Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(sessionId, PendingHome.RowKey)).HasValue);
            Assert.Equal(1, await harness.DueRowsAsync(sessionId));
        }

        Assert.Equal(3, (await index.GetAsync(both, default))!.Checks); // the newer row stayed as it was
        Assert.Equal(1, await harness.DueRowsAsync(both));
        // The handed-out entry keeps its ticket and stays off the due list for its lease.
        var listed = await index.ListDueAsync(100, default);
        Assert.Equal(due.Append(both).Order(StringComparer.Ordinal), listed.Select(s => s.SessionId).Order(StringComparer.Ordinal));
        Assert.Equal(1, await harness.DueRowsAsync(issuedId));
        Assert.NotNull(await index.BeginVisitAsync(issuedId, visit!.Ticket, TimeSpan.FromMinutes(10), default));
    }

    [Fact]
    public async Task A_move_whose_old_row_was_changed_after_it_was_read_is_taken_back_and_one_whose_row_was_removed_is_kept()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var index = harness.Get<IPendingSessionIndex>();
        var homes = harness.Get<PendingSessionTableIndex>();
        var table = await SessionsTableAsync(harness);
        var prefix = Prefix(harness);
        var now = WholeSeconds(DateTimeOffset.UtcNow);
        var (changed, removed) = (NewId(), NewId());
        foreach (var sessionId in new[] { changed, removed })
        {
            await index.AddAsync(new PendingSessionEntry(sessionId, now.AddMinutes(-5), now.AddMinutes(-1), Checks: 1), default);
            await ToOldPlaceAsync(table, prefix, sessionId);
        }

        // The migration's page read both old rows; then a visit wrote one back (where it is) and order creation removed the other.
        var readByMove = table.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {prefix}")).ToDictionary(e => e.RowKey);
        Assert.True(await index.UpdateAsync((await index.GetAsync(changed, default))! with { Checks = 2, NextCheckAt = now.AddMinutes(4) }, default));
        await index.RemoveAsync(removed, default);

        await homes.MoveOldHomeAsync(table, readByMove[changed], default);
        await homes.MoveOldHomeAsync(table, readByMove[removed], default);

        // The visit's write stands in the old place, and the move left no new row and no due row of its own.
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(changed, PendingHome.RowKey)).HasValue);
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>(prefix, changed)).Value.GetInt32("Checks"));
        var entry = (await index.GetAsync(changed, default))!;
        Assert.Equal((2, now.AddMinutes(4)), (entry.Checks, entry.NextCheckAt));
        Assert.Equal(1, await harness.DueRowsAsync(changed));
        // A row already gone is kept as moved (a lost reply of the move's own delete looks the same): one entry too
        // many, which its next visit removes, rather than a live session without one.
        Assert.Equal(1, (await index.GetAsync(removed, default))!.Checks);
        Assert.Equal(1, await harness.DueRowsAsync(removed));

        // The next run moves the changed row as it now is.
        Assert.Equal(1, await harness.Get<PendingIndexMigration>().MoveAsync(200, default));
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>(changed, PendingHome.RowKey)).Value.GetInt32("Checks"));
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(prefix, changed)).HasValue);
        Assert.Equal(1, await harness.DueRowsAsync(changed));
    }

    /// <summary>A time storage keeps exactly.</summary>
    private static DateTimeOffset WholeSeconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static string Prefix(PaymentsHarness harness) => harness.Get<IOptions<PaymentOptions>>().Value.PendingIndexPartition;

    private static Task<TableClient> SessionsTableAsync(PaymentsHarness harness) =>
        harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);

    /// <summary>Rewrites a session's home row as the build before this one kept it: PK the index's prefix, RK the session id.</summary>
    /// <param name="keepNew">Leaves the new row too (an older copy in the old place, with <paramref name="checks"/>).</param>
    internal static async Task ToOldPlaceAsync(TableClient table, string prefix, string sessionId, bool keepNew = false, int? checks = null)
    {
        var home = (await table.GetEntityAsync<TableEntity>(sessionId, PendingHome.RowKey)).Value;
        var old = new TableEntity(home) { PartitionKey = prefix, RowKey = sessionId };
        old.Remove("odata.etag");
        old.Remove("Timestamp");
        if (checks is { } count)
        {
            old["Checks"] = count;
        }

        await table.UpsertEntityAsync(old, TableUpdateMode.Replace);
        if (!keepNew)
        {
            await table.DeleteEntityAsync(sessionId, PendingHome.RowKey);
        }
    }

    /// <summary>The real store; before its first write that finishes a session (claim OrdersCreated), someone else acts.</summary>
    private sealed class FinishingWrites(IProcessedInvoiceStore inner, Func<SessionWithClaim, Task> meanwhile) : DelegatingClaimStore(inner)
    {
        public int Attempts { get; private set; }

        public override async Task<SessionClaimWrite> TryWriteWithSessionAsync(
            SessionWithClaim read, ProcessedInvoice claim, Func<PaymentSession, PaymentSession?>? sessionChange, CancellationToken cancellationToken)
        {
            if (claim.State == ClaimState.OrdersCreated && ++Attempts == 1)
            {
                await meanwhile(read);
            }

            return await Inner.TryWriteWithSessionAsync(read, claim, sessionChange, cancellationToken);
        }
    }
}
