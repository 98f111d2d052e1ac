using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Payments.Retention;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Storage;

/// <summary>
/// A delete says what it found, against the real Azurite: the SDK answers a missing
/// row's 404 without throwing, so a delete that only caught a 404 took a row already gone for one it removed.
/// </summary>
public sealed class TableDeletesTests
{
    [Fact]
    public async Task A_delete_tells_a_row_it_removed_from_one_already_gone_or_changed_since_read()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var table = await harness.Get<StorageClients>().GetTableAsync("Deletes" + Guid.NewGuid().ToString("N")[..12], default);
        var first = (await table.AddEntityAsync(new TableEntity("p", "read"))).Headers.ETag!.Value;
        await table.AddEntityAsync(new TableEntity("p", "any"));

        var missingUnderETag = await table.TryDeleteAsync("p", "absent", first, default);
        var missing = await table.DeleteIfExistsAsync("p", "absent", default);
        await table.UpdateEntityAsync(new TableEntity("p", "read") { ["Changed"] = true }, ETag.All, TableUpdateMode.Replace);
        var changedSinceRead = await table.TryDeleteAsync("p", "read", first, default);
        var current = (await table.GetEntityAsync<TableEntity>("p", "read")).Value.ETag;
        var underCurrent = await table.TryDeleteAsync("p", "read", current, default);
        var again = await table.TryDeleteAsync("p", "read", current, default);
        var present = await table.DeleteIfExistsAsync("p", "any", default);
        var presentAgain = await table.DeleteIfExistsAsync("p", "any", default);

        Assert.Equal((RowDelete.Gone, false), (missingUnderETag, missing));
        Assert.Equal(RowDelete.Changed, changedSinceRead);
        Assert.Equal((RowDelete.Deleted, RowDelete.Gone), (underCurrent, again));
        Assert.Equal((true, false), (present, presentAgain));
        Assert.Empty(table.Query<TableEntity>().ToList());
        await table.DeleteAsync();
    }

    [Fact]
    public async Task A_delete_retried_after_its_reply_was_lost_is_this_calls_delete_and_leaves_the_callers_watch_alone()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var table = await harness.Get<StorageClients>().GetTableAsync("Deletes" + Guid.NewGuid().ToString("N")[..12], default);
        await table.AddEntityAsync(new TableEntity("p", "any"));
        var version = (await table.AddEntityAsync(new TableEntity("p", "read"))).Headers.ETag!.Value;
        lost.LoseNext((m, _) => m.Request.Method == RequestMethod.Delete && m.Request.Uri.ToString().Contains("RowKey='any'", StringComparison.Ordinal));
        lost.LoseNext((m, _) => m.Request.Method == RequestMethod.Delete && m.Request.Uri.ToString().Contains("RowKey='read'", StringComparison.Ordinal));
        var callers = LostReplyWatch.Begin();

        var any = await table.DeleteIfExistsAsync("p", "any", default);
        var underVersion = await table.TryDeleteAsync("p", "read", version, default);

        Assert.Equal(2, lost.Lost);
        Assert.True(any); // before: false, the retry's 404 taken for a row that was never there
        Assert.Equal(RowDelete.Deleted, underVersion); // before: Gone
        Assert.False(callers.FailedInTransit); // the deletes watched their own tries
        Assert.Equal((false, RowDelete.Gone), (await table.DeleteIfExistsAsync("p", "any", default), await table.TryDeleteAsync("p", "read", version, default)));
        Assert.Empty(table.Query<TableEntity>().ToList());
        await table.DeleteAsync();
    }

    [Fact]
    public async Task A_retention_batch_delete_retried_after_its_reply_was_lost_counts_its_rows_and_one_already_gone_is_not()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var name = "Deletes" + Guid.NewGuid().ToString("N")[..12];
        var table = await harness.Get<StorageClients>().GetTableAsync(name, default);
        var rows = Enumerable.Range(0, 5).Select(i => ("p", $"r{i}")).ToArray();
        foreach (var (partition, row) in rows.Concat([("q", "r0"), ("q", "r1")]))
        {
            await table.AddEntityAsync(new TableEntity(partition, row));
        }

        static bool IsBatch(HttpMessage m, string _) => m.Request.Method == RequestMethod.Post && m.Request.Uri.ToString().Contains("$batch", StringComparison.Ordinal);
        lost.LoseNext(IsBatch);
        var counted = await TableSweep.DeleteAsync(table, rows, default);
        await table.DeleteEntityAsync("q", "r0"); // another run's
        lost.FailNextUnsent(IsBatch); // a try lost in transit that never reached storage: the retry's 404 is r0's
        var withOneGone = await TableSweep.DeleteAsync(table, [("q", "r0"), ("q", "r1")], default);

        Assert.Equal(1, lost.Lost);
        Assert.Equal(5, counted); // before: 0, each row's own delete then found it gone
        Assert.Equal(1, withOneGone); // r1 was still there, so the transaction was not stored: r0 is another run's
        Assert.Empty(table.Query<TableEntity>().ToList());
        await table.DeleteAsync();
    }
}
