namespace QPay.Functions.Storage;

/// <summary>
/// Where Table and Queue Storage live. Read from the same <c>AzureWebJobsStorage</c> setting the
/// Functions host uses: a connection string locally (<c>UseDevelopmentStorage=true</c>), or the
/// identity-based form in Azure (<c>AzureWebJobsStorage__tableServiceUri</c>,
/// <c>__queueServiceUri</c>, <c>__credential=managedidentity</c>, <c>__clientId</c>).
/// </summary>
public sealed class StorageOptions
{
    public const string SettingName = "AzureWebJobsStorage";

    public string? ConnectionString { get; set; }

    public string? AccountName { get; set; }

    public string? TableServiceUri { get; set; }

    public string? QueueServiceUri { get; set; }

    /// <summary><c>managedidentity</c> in Azure; anything else means DefaultAzureCredential.</summary>
    public string? Credential { get; set; }

    /// <summary>Client id of the user-assigned managed identity.</summary>
    public string? ClientId { get; set; }

    /// <summary>The Idempotency-Key table (a test knob: a test that moves the clock far to expire keys keeps its own).</summary>
    public string IdempotencyKeysTable { get; internal set; } = StorageNames.IdempotencyKeysTable;

    public bool UsesConnectionString => !string.IsNullOrWhiteSpace(ConnectionString);

    public Uri ResolveTableServiceUri() => ResolveServiceUri(TableServiceUri, "table");

    public Uri ResolveQueueServiceUri() => ResolveServiceUri(QueueServiceUri, "queue");

    private Uri ResolveServiceUri(string? explicitUri, string service) =>
        !string.IsNullOrWhiteSpace(explicitUri)
            ? new Uri(explicitUri)
            : new Uri($"https://{AccountName}.{service}.core.windows.net");
}
