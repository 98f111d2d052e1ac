using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Storage;

/// <summary>
/// A read-modify-write whose replace was stored but whose reply was lost: the SDK retries it into a 412, and the
/// update must count it as this call's write (callers act on it: queue the claim's orders, the receipt's message).
/// </summary>
public sealed class OptimisticUpdateLostReplyTests
{
    [Fact]
    public async Task A_replace_stored_whose_reply_was_lost_counts_as_written_without_asking_the_change_again()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var table = await harness.Get<StorageClients>().GetTableAsync("Optimistic" + Guid.NewGuid().ToString("N")[..12], default);
        await table.AddEntityAsync(new CounterRow { PartitionKey = "p", RowKey = "r", Count = 0 });
        lost.LoseNext((m, _) => m.Request.Method == RequestMethod.Put);
        var asked = 0;
        var stamp = DateTimeOffset.UtcNow;

        var (row, written) = await OptimisticUpdate.ApplyAsync<CounterRow>(table, "p", "r", current =>
        {
            asked++;
            return current.Count == 0 ? new CounterRow { PartitionKey = "p", RowKey = "r", Count = 1, StampedAt = stamp } : null;
        }, default);

        Assert.Equal(1, lost.Lost);
        Assert.True(written); // before: false, the change found nothing left to do on its own write
        Assert.Equal(1, asked);
        Assert.Equal(1, row!.Count);
        Assert.Equal(row.ETag, (await table.GetEntityAsync<CounterRow>("p", "r")).Value.ETag);
        await table.DeleteAsync();
    }

    [Fact]
    public async Task Another_writers_different_row_after_a_412_is_not_taken_for_this_calls_write()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var table = await harness.Get<StorageClients>().GetTableAsync("Optimistic" + Guid.NewGuid().ToString("N")[..12], default);
        await table.AddEntityAsync(new CounterRow { PartitionKey = "p", RowKey = "r", Count = 0 });
        var known = (await table.GetEntityAsync<CounterRow>("p", "r")).Value;
        await table.UpdateEntityAsync(new CounterRow { PartitionKey = "p", RowKey = "r", Count = 5 }, ETag.All, TableUpdateMode.Replace); // another writer

        var (row, written) = await OptimisticUpdate.ApplyAsync<CounterRow>(table, "p", "r",
            current => new CounterRow { PartitionKey = "p", RowKey = "r", Count = current.Count + 1 }, default, known);

        Assert.True(written);
        Assert.Equal(6, row!.Count); // asked again on the other writer's row, not stopped at it
        await table.DeleteAsync();
    }

    private sealed class CounterRow : ITableEntity
    {
        public string PartitionKey { get; set; } = string.Empty;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public ETag ETag { get; set; }

        public int Count { get; set; }

        public DateTimeOffset? StampedAt { get; set; }
    }
}
