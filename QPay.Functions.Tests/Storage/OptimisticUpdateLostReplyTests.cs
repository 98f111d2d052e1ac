using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Storage;

/// <summary>
/// A read-modify-write whose replace was stored but whose reply was lost: the SDK retries it into a 412, and the
/// update must count it as this call's write (callers act on it: queue the claim's orders, the receipt's message).
/// An insert likewise (409), where the caller records what it created.
/// </summary>
public sealed class OptimisticUpdateLostReplyTests
{
    [Fact]
    public async Task A_replace_stored_whose_reply_was_lost_counts_as_written_without_asking_the_change_again()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var name = "Optimistic" + Guid.NewGuid().ToString("N")[..12];
        var table = await harness.Get<StorageClients>().GetTableAsync(name, default);
        await table.AddEntityAsync(new CounterRow { PartitionKey = "p", RowKey = "r", Count = 0 });
        lost.LoseNext((m, _) => m.Request.Method == RequestMethod.Put && m.Request.Uri.ToString().Contains(name, StringComparison.Ordinal));
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

    [Fact]
    public async Task Another_writers_identical_change_is_not_taken_for_this_calls_write_when_no_try_was_lost()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var table = await harness.Get<StorageClients>().GetTableAsync("Optimistic" + Guid.NewGuid().ToString("N")[..12], default);
        await table.AddEntityAsync(new CounterRow { PartitionKey = "p", RowKey = "r", Count = 0 });
        var known = (await table.GetEntityAsync<CounterRow>("p", "r")).Value;
        // Another writer made the very change this call is about to make (a reset carries no stamp of its own).
        await table.UpdateEntityAsync(new CounterRow { PartitionKey = "p", RowKey = "r", Count = 1 }, ETag.All, TableUpdateMode.Replace);

        var (row, written) = await OptimisticUpdate.ApplyAsync<CounterRow>(table, "p", "r",
            current => current.Count == 0 ? new CounterRow { PartitionKey = "p", RowKey = "r", Count = 1 } : null, default, known);

        Assert.False(written); // its 412 was the other writer's: the change, asked again, finds nothing to do
        Assert.Equal(1, row!.Count);
    }

    [Fact]
    public async Task A_refund_row_inserted_whose_reply_was_lost_is_reported_created_and_a_later_one_under_its_key_is_not()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var ledger = harness.Get<IRefundLedger>();
        var sessionId = Guid.NewGuid().ToString("N");
        RefundRecord Excess(DateTimeOffset at) => new()
        {
            SessionId = sessionId, Key = RefundKeys.Excess, InvoiceId = "inv-" + sessionId, Kind = RefundKind.Excess, AmountMnt = 500m,
            Method = RefundMethod.Manual, Status = RefundStatus.Pending, Reason = RefundReasons.Overpayment, CreatedAt = at,
        };
        lost.LoseNext((m, body) => m.Request.Method == RequestMethod.Post && body.Contains(sessionId, StringComparison.Ordinal));

        var (_, created) = await ledger.AddAsync(Excess(DateTimeOffset.UtcNow), default);
        var (_, again) = await ledger.AddAsync(Excess(DateTimeOffset.UtcNow.AddSeconds(1)), default);

        Assert.Equal(1, lost.Lost);
        Assert.True(created); // before: false, and its audit event and log line were skipped
        Assert.False(again);
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
