using System.Collections.Concurrent;
using Azure.Core;
using Azure.Storage.Queues;
using QPay.FunctionsHost.Hosting;

namespace QPay.FunctionsHost.Queues;

/// <summary>
/// Queue clients for the bindings' storage connections. Trigger queues are read raw (the listener
/// decodes, so a message that is not base64 can go to the poison queue); outputs are written with
/// host.json's <c>messageEncoding</c> (base64 by default). Every request is counted (<see cref="HostStorageCounter"/>).
/// </summary>
internal sealed class QueueClients(AppSettings settings, QueuesOptions options, HostStorageCounter counter)
{
    private readonly ConcurrentDictionary<(string Connection, string Queue, bool Raw), QueueClient> _clients = new();

    public QueuesOptions Options => options;

    public QueueClient Raw(string? connection, string queueName, string usedBy) => Get(connection, queueName, usedBy, raw: true);

    public QueueClient Encoded(string? connection, string queueName, string usedBy) => Get(connection, queueName, usedBy, raw: false);

    /// <summary>A queue name after <c>%Setting%</c> resolution, lower-cased as the Storage extension does.</summary>
    public string QueueName(string? rawName, string usedBy)
    {
        if (string.IsNullOrWhiteSpace(rawName))
        {
            throw new InvalidOperationException($"{usedBy} has no queueName.");
        }

        return settings.Resolve(rawName, usedBy).ToLowerInvariant();
    }

    private QueueClient Get(string? connection, string queueName, string usedBy, bool raw)
    {
        var connectionString = settings.StorageConnectionString(connection, usedBy);
        return _clients.GetOrAdd((connectionString, queueName, raw), key =>
        {
            var clientOptions = new QueueClientOptions
            {
                MessageEncoding = !key.Raw && options.Base64Encoding ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None,
            };
            clientOptions.AddPolicy(counter.Policy, HttpPipelinePosition.PerRetry);
            return new QueueClient(key.Connection, key.Queue, clientOptions);
        });
    }
}
