using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace QPay.Functions.Storage;

/// <summary>Redis answers PING.</summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var database = await redis.GetDatabaseAsync().ConfigureAwait(false);
        var latency = await database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy($"PING {latency.TotalMilliseconds:0.#} ms");
    }
}

/// <summary>The Table service answers a one-row query of the table list.</summary>
internal sealed class TableHealthCheck(StorageClients storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await foreach (var _ in storage.TableService.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken)
                           .AsPages(pageSizeHint: 1).ConfigureAwait(false))
        {
            break;
        }

        return HealthCheckResult.Healthy();
    }
}

/// <summary>The order-creation queue exists and answers a properties read.</summary>
internal sealed class QueueHealthCheck(StorageClients storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var queue = await storage.GetQueueAsync(StorageNames.OrderCreationQueue, cancellationToken).ConfigureAwait(false);
        await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}
