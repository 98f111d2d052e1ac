using Azure.Data.Tables;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Storage;

/// <summary>Every request of the app's storage clients is counted, by service, in totals and in <c>qpay.storage.requests</c>.</summary>
public sealed class StorageRequestCounterTests
{
    [Fact]
    public async Task Each_table_and_queue_request_counts_once_under_its_service_and_method()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        using var metrics = new RecordedMetrics(harness);
        var storage = harness.Get<StorageClients>();
        var counter = harness.Get<StorageRequestCounter>();
        var tableName = "Counted" + Guid.NewGuid().ToString("N")[..12];
        var queueName = "counted-" + Guid.NewGuid().ToString("N")[..12];

        var before = counter.Snapshot();
        var table = await storage.GetTableAsync(tableName, CancellationToken.None);
        await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = 1 });
        var miss = await table.GetEntityIfExistsAsync<TableEntity>("p", "absent");
        await storage.SendAsync(queueName, "hello", TimeSpan.Zero, CancellationToken.None);
        var counted = counter.Snapshot() - before;

        Assert.False(miss.HasValue);
        // Table: create (POST Tables), insert (POST), point read (GET). Queue: create (PUT), put (POST).
        Assert.Equal(new StorageRequestCounts(3, 2), counted);
        Assert.Equal(2, metrics.Sum("qpay.storage.requests", "method=POST,service=table"));
        Assert.Equal(1, metrics.Sum("qpay.storage.requests", "method=GET,service=table"));
        Assert.Equal(1, metrics.Sum("qpay.storage.requests", "method=PUT,service=queue"));
        Assert.Equal(1, metrics.Sum("qpay.storage.requests", "method=POST,service=queue"));

        await table.DeleteAsync();
        await storage.QueueService.DeleteQueueAsync(queueName);
    }
}
