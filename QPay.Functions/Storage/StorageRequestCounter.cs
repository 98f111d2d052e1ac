using Azure.Core;
using Azure.Core.Pipeline;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Storage;

/// <summary>The storage service a request went to: Azure bills Table and Queue transactions apart.</summary>
public enum StorageService
{
    Table,
    Queue,
}

/// <summary>Requests sent so far by this process's Table and Queue clients.</summary>
public readonly record struct StorageRequestCounts(long Table, long Queue)
{
    public long Total => Table + Queue;

    public static StorageRequestCounts operator -(StorageRequestCounts after, StorageRequestCounts before) =>
        new(after.Table - before.Table, after.Queue - before.Queue);
}

/// <summary>
/// Counts every request the app's storage clients put on the wire, each retry included: that is a
/// billed storage transaction (and an Azurite round trip in tests). Totals for tests and the
/// benchmark, and <c>qpay.storage.requests</c> for a deployment's cost.
/// </summary>
public sealed class StorageRequestCounter(PaymentMetrics metrics)
{
    private long _table;
    private long _queue;

    public StorageRequestCounts Snapshot() => new(Interlocked.Read(ref _table), Interlocked.Read(ref _queue));

    /// <summary>The pipeline policy for one service's client, added per retry so that every attempt counts.</summary>
    internal HttpPipelinePolicy PolicyFor(StorageService service) => new CountingPolicy(this, service);

    private void Count(StorageService service, string method)
    {
        if (service == StorageService.Table)
        {
            Interlocked.Increment(ref _table);
        }
        else
        {
            Interlocked.Increment(ref _queue);
        }

        metrics.StorageRequested(service == StorageService.Table ? "table" : "queue", method);
    }

    private sealed class CountingPolicy(StorageRequestCounter counter, StorageService service) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => counter.Count(service, message.Request.Method.Method);
    }
}
