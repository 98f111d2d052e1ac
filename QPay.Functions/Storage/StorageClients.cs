using System.Collections.Concurrent;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace QPay.Functions.Storage;

/// <summary>
/// The Table and Queue service clients, built once from <see cref="StorageOptions"/>, plus
/// table and queue clients that create their table or queue on first use (once per process;
/// a failed creation is tried again on the next call). Queue messages are base64, as host.json
/// tells the queue trigger to expect. Every request is counted (<see cref="StorageRequestCounter"/>).
/// </summary>
public sealed class StorageClients
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<QueueClient>>> _queues = new();

    /// <param name="tryPolicies">Run on every try of every Table and Queue request, after the counting one.</param>
    public StorageClients(IOptions<StorageOptions> options, StorageRequestCounter counter, IEnumerable<StorageTryPolicy>? tryPolicies = null)
    {
        var settings = options.Value;
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(counter.PolicyFor(StorageService.Table), HttpPipelinePosition.PerRetry);
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        queueOptions.AddPolicy(counter.PolicyFor(StorageService.Queue), HttpPipelinePosition.PerRetry);
        // Outside the try policies: it sees a try that one of them fails.
        tableOptions.AddPolicy(LostReplyWatch.Policy, HttpPipelinePosition.PerRetry);
        queueOptions.AddPolicy(LostReplyWatch.Policy, HttpPipelinePosition.PerRetry);
        foreach (var policy in tryPolicies ?? [])
        {
            tableOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry);
            queueOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }

        if (settings.UsesConnectionString)
        {
            TableService = new TableServiceClient(settings.ConnectionString, tableOptions);
            QueueService = new QueueServiceClient(settings.ConnectionString, queueOptions);
        }
        else
        {
            var credential = CreateCredential(settings);
            TableService = new TableServiceClient(settings.ResolveTableServiceUri(), credential, tableOptions);
            QueueService = new QueueServiceClient(settings.ResolveQueueServiceUri(), credential, queueOptions);
        }
    }

    public TableServiceClient TableService { get; }

    public QueueServiceClient QueueService { get; }

    public Task<TableClient> GetTableAsync(string tableName, CancellationToken cancellationToken) =>
        GetOrCreate(_tables, tableName, async () =>
        {
            var table = TableService.GetTableClient(tableName);
            await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            return table;
        });

    public Task<QueueClient> GetQueueAsync(string queueName, CancellationToken cancellationToken) =>
        GetOrCreate(_queues, queueName, async () =>
        {
            var queue = QueueService.GetQueueClient(queueName);
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return queue;
        });

    /// <summary>Azure Queue Storage hides a message for at most 7 days.</summary>
    private static readonly TimeSpan MaxVisibilityDelay = TimeSpan.FromDays(7);

    /// <summary>Queue Storage's time-to-live for a message that never expires (the default is 7 days).</summary>
    public static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    /// <summary>Puts a message on the queue, invisible for <paramref name="delay"/> (a retry's wait; at most 7 days).</summary>
    public Task SendAsync(string queueName, string message, TimeSpan delay, CancellationToken cancellationToken) =>
        SendAsync(queueName, message, delay, timeToLive: null, cancellationToken);

    /// <summary>
    /// As above, kept for <paramref name="timeToLive"/> (null: Queue Storage's default of 7 days;
    /// <see cref="NeverExpires"/>: until it is taken).
    /// </summary>
    public async Task SendAsync(string queueName, string message, TimeSpan delay, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        var queue = await GetQueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        var visibility = delay <= TimeSpan.Zero ? (TimeSpan?)null : delay < MaxVisibilityDelay ? delay : MaxVisibilityDelay;
        await queue.SendMessageAsync(message, visibility, timeToLive, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> GetOrCreate<T>(ConcurrentDictionary<string, Lazy<Task<T>>> cache, string name, Func<Task<T>> create)
    {
        var lazy = cache.GetOrAdd(name, _ => new Lazy<Task<T>>(create));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(name, lazy));
            throw;
        }
    }

    private static TokenCredential CreateCredential(StorageOptions settings) =>
        string.Equals(settings.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrWhiteSpace(settings.ClientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(settings.ClientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = settings.ClientId });
}
