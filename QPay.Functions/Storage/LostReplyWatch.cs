using System.Diagnostics.CodeAnalysis;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace QPay.Functions.Storage;

/// <summary>
/// Tells a conditional write whether one of its tries failed in transit (a reset connection, a timeout) before the
/// SDK retried it. Only then can a 409, 412 or 404 be the write's own first try, stored with its reply lost; without
/// one it is another writer's, whatever the row now holds. <see cref="Begin"/> starts a watch for the calls the
/// caller makes next; <see cref="StorageClients"/> runs <see cref="Policy"/> on every try.
/// </summary>
public static class LostReplyWatch
{
    private static readonly AsyncLocal<Watch?> Current = new();

    /// <summary>Watches the storage calls that follow, in this flow, until the next <see cref="Begin"/>.</summary>
    public static Watch Begin() => Current.Value = new Watch();

    internal static HttpPipelinePolicy Policy { get; } = new WatchingPolicy();

    public sealed class Watch
    {
        private int _failedInTransit;

        /// <summary>A try failed without an answer, and the SDK sent the request again.</summary>
        public bool FailedInTransit => Volatile.Read(ref _failedInTransit) == 1;

        /// <summary>
        /// For an insert answered 409: the row stored under <paramref name="sent"/>'s keys, and whether it is
        /// <paramref name="sent"/> itself, stored by a try whose reply was lost (never without one).
        /// </summary>
        public async Task<(T? Stored, bool Own)> ReadBackAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(
            TableClient table, T sent, CancellationToken cancellationToken)
            where T : class, ITableEntity, new()
        {
            var stored = await table.GetEntityIfExistsAsync<T>(sent.PartitionKey, sent.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            return stored.HasValue ? (stored.Value, FailedInTransit && TableRows.SameValues(stored.Value!, sent)) : (null, false);
        }

        internal void Mark() => Interlocked.Exchange(ref _failedInTransit, 1);
    }

    private sealed class WatchingPolicy : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            try
            {
                ProcessNext(message, pipeline);
            }
            catch (Exception) when (Current.Value is { } watch)
            {
                watch.Mark();
                throw;
            }
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            try
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            catch (Exception) when (Current.Value is { } watch)
            {
                watch.Mark();
                throw;
            }
        }
    }
}
