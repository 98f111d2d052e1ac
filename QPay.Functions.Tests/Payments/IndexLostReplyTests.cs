using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// The reconciler index's writes whose reply was lost after storage kept them: the SDK retries them, the retry
/// meets the first try's own write, and the index must recognise it as its own (by the due row's key, which ends in
/// a nonce) instead of taking it for another writer's and removing the due row its home row now points to.
/// </summary>
public sealed class IndexLostReplyTests
{
    [Fact]
    public async Task A_home_row_replace_retried_after_its_reply_was_lost_counts_as_written_and_keeps_its_due_row()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var index = harness.Get<IPendingSessionIndex>();
        var now = WholeSeconds(DateTimeOffset.UtcNow);
        var sessionId = await AddOverdueEntryAsync(index, now);
        lost.LoseNext((m, _) => m.Request.Method == RequestMethod.Put && IsHomeRow(m, sessionId));

        var updated = await index.UpdateAsync((await index.GetAsync(sessionId, default))! with { Checks = 1, NextCheckAt = now.AddMinutes(3) }, default);

        Assert.Equal(1, lost.Lost);
        Assert.True(updated);
        var entry = (await index.GetAsync(sessionId, default))!;
        Assert.Equal((1, now.AddMinutes(3)), (entry.Checks, entry.NextCheckAt));
        await AssertPointsAtItsOnlyDueRowAsync(harness, sessionId, sessionId, PendingHome.RowKey);
    }

    [Fact]
    public async Task A_visits_hold_retried_after_its_reply_was_lost_begins_the_visit_and_a_second_delivery_still_waits()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var index = harness.Get<IPendingSessionIndex>();
        var now = WholeSeconds(DateTimeOffset.UtcNow);
        var (sessionId, visit) = await IssueOverdueVisitAsync(index, now);
        lost.LoseNext((m, _) => m.Request.Method == RequestMethod.Put && IsHomeRow(m, sessionId));

        var begun = await index.BeginVisitAsync(sessionId, visit.Ticket, TimeSpan.FromMinutes(5), default);
        var again = await index.BeginVisitAsync(sessionId, visit.Ticket, TimeSpan.FromMinutes(5), default);

        Assert.Equal(1, lost.Lost);
        Assert.NotNull(begun); // before: null, and the visit waited 5 minutes for its own hold to end
        Assert.Null(again); // a second delivery of the visit finds the hold running
        Assert.True(await index.UpdateAsync(begun with { Checks = 1, NextCheckAt = now.AddMinutes(3) }, default)); // its ETag is the stored row's
        Assert.Equal(1, (await index.GetAsync(sessionId, default))!.Checks);
    }

    [Fact]
    public async Task A_visits_hold_rewritten_by_another_writer_before_the_retry_is_not_taken_for_this_calls_even_with_its_ticket_and_hold()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var index = harness.Get<IPendingSessionIndex>();
        var now = WholeSeconds(DateTimeOffset.UtcNow);
        var (sessionId, visit) = await IssueOverdueVisitAsync(index, now);
        // Outside the app's pipeline: the dispatcher meeting the running hold rewrites the row with the same ticket and
        // end of hold (and a new due row), after the hold's first try was stored and before its retry.
        var other = new TableClient(LocalStack.StorageConnectionString, StorageNames.PaymentSessionsTable);
        lost.LoseNext((m, _) =>
        {
            if (m.Request.Method != RequestMethod.Put || !IsHomeRow(m, sessionId))
            {
                return false;
            }

            var row = other.GetEntity<TableEntity>(sessionId, PendingHome.RowKey).Value;
            row.Remove("HoldId");
            other.UpdateEntity(row, ETag.All, TableUpdateMode.Replace);
            return true;
        });

        var begun = await index.BeginVisitAsync(sessionId, visit.Ticket, TimeSpan.FromMinutes(5), default);

        Assert.Equal(1, lost.Lost);
        Assert.Null(begun); // the other writer's row, whose ETag a release must not write under
    }

    [Fact]
    public async Task A_migration_move_whose_insert_or_old_row_delete_lost_its_reply_still_moves_the_entry()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var index = harness.Get<IPendingSessionIndex>();
        var table = await harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var prefix = harness.Get<IOptions<PaymentOptions>>().Value.PendingIndexPartition;
        var now = WholeSeconds(DateTimeOffset.UtcNow);
        var (insertLost, deleteLost) = (NewId(), NewId());
        foreach (var sessionId in new[] { insertLost, deleteLost })
        {
            await index.AddAsync(new PendingSessionEntry(sessionId, now.AddMinutes(-5), now.AddMinutes(-1), Checks: 2), default);
            await PendingHomeRowTests.ToOldPlaceAsync(table, prefix, sessionId);
        }

        lost.LoseNext((m, body) => m.Request.Method == RequestMethod.Post && body.Contains(insertLost, StringComparison.Ordinal) && body.Contains(PendingHome.RowKey, StringComparison.Ordinal));
        lost.LoseNext((m, _) => m.Request.Method == RequestMethod.Delete && m.Request.Uri.ToString().Contains($"RowKey='{deleteLost}'", StringComparison.Ordinal));

        var moved = await harness.Get<PendingIndexMigration>().MoveAsync(200, default);

        Assert.Equal((2, 2), (moved, lost.Lost));
        Assert.Empty(table.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {prefix}")).ToList());
        foreach (var sessionId in new[] { insertLost, deleteLost })
        {
            Assert.Equal(2, (await index.GetAsync(sessionId, default))!.Checks);
            await AssertPointsAtItsOnlyDueRowAsync(harness, sessionId, sessionId, PendingHome.RowKey);
        }
    }

    /// <summary>The home row points at a due row that exists, and it is the session's only one: the reconciler will list it.</summary>
    private static async Task AssertPointsAtItsOnlyDueRowAsync(PaymentsHarness harness, string sessionId, string partition, string row)
    {
        var table = await harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var home = (await table.GetEntityAsync<TableEntity>(partition, row)).Value;
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(home.GetString("DuePartition"), home.GetString("DueRow"))).HasValue);
        Assert.Equal(1, await harness.DueRowsAsync(sessionId));
    }

    private static bool IsHomeRow(HttpMessage message, string sessionId)
    {
        var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
        return uri.Contains($"PartitionKey='{sessionId}'", StringComparison.Ordinal) && uri.Contains($"RowKey='{PendingHome.RowKey}'", StringComparison.Ordinal);
    }

    /// <summary>A time storage keeps exactly.</summary>
    private static DateTimeOffset WholeSeconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());

    private static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>A visit handed out for a new overdue entry (see <see cref="AddOverdueEntryAsync"/>).</summary>
    private static async Task<(string SessionId, IssuedVisit Visit)> IssueOverdueVisitAsync(IPendingSessionIndex index, DateTimeOffset now)
    {
        var sessionId = await AddOverdueEntryAsync(index, now);
        var slot = Assert.Single(await index.ListDueAsync(100, default), s => s.SessionId == sessionId);
        return (sessionId, (await index.IssueAsync(slot, TimeSpan.FromMinutes(10), default))!);
    }

    /// <summary>A new session's entry, created 5 minutes ago and due a minute ago.</summary>
    private static async Task<string> AddOverdueEntryAsync(IPendingSessionIndex index, DateTimeOffset now)
    {
        var sessionId = NewId();
        await index.AddAsync(new PendingSessionEntry(sessionId, now.AddMinutes(-5), now.AddMinutes(-1)), default);
        return sessionId;
    }
}
