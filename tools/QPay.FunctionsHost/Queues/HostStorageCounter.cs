using Azure.Core;
using Azure.Core.Pipeline;

namespace QPay.FunctionsHost.Queues;

/// <summary>
/// Counts the host's own queue requests, as the app's clients count theirs: in Azure the Functions
/// host's trigger polling is billed to the same storage account (the benchmark's cost phase reads it).
/// </summary>
internal sealed class HostStorageCounter
{
    private long _queue;
    private long _emptyPolls;

    public HostStorageRequests Snapshot() => new(Interlocked.Read(ref _queue), Interlocked.Read(ref _emptyPolls));

    /// <summary>Added per retry, so that every attempt counts.</summary>
    public HttpPipelinePolicy Policy => new CountingPolicy(this);

    public void EmptyPoll() => Interlocked.Increment(ref _emptyPolls);

    private sealed class CountingPolicy(HostStorageCounter counter) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref counter._queue);
    }
}
