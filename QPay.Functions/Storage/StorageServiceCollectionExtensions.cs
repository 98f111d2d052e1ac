using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace QPay.Functions.Storage;

public static class StorageServiceCollectionExtensions
{
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Table and Queue Storage, Redis, and their health checks.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<StorageOptions>, StorageOptionsSetup>();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddOptions<StorageOptions>().ValidateOnStart();
        services.AddSingleton<StorageRequestCounter>();
        services.AddSingleton<StorageClients>();
        services.AddSingleton<IPoisonQueue, StoragePoisonQueue>();

        services.AddOptions<RedisOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<RedisLock>();
        services.AddSingleton<IIdempotencyStore, IdempotencyTable>();

        services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>("redis", timeout: HealthCheckTimeout)
            .AddCheck<TableHealthCheck>("table", timeout: HealthCheckTimeout)
            .AddCheck<QueueHealthCheck>("queue", timeout: HealthCheckTimeout);
        return services;
    }
}
