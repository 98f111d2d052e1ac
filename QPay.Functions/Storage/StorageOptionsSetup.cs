using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using QPay.Functions.Hosting;

namespace QPay.Functions.Storage;

/// <summary>Reads <c>AzureWebJobsStorage</c> as a plain value or as the identity-based section.</summary>
internal sealed class StorageOptionsSetup(IConfiguration configuration) : IConfigureOptions<StorageOptions>
{
    public void Configure(StorageOptions options)
    {
        var section = configuration.GetSection(StorageOptions.SettingName);
        options.ConnectionString = section.Value;
        options.AccountName = section["accountName"];
        options.TableServiceUri = section["tableServiceUri"];
        options.QueueServiceUri = section["queueServiceUri"];
        options.Credential = section["credential"];
        options.ClientId = section["clientId"];
    }
}

internal sealed class StorageOptionsValidator : SettingsValidator<StorageOptions>
{
    private const string Name = StorageOptions.SettingName;

    protected override void Validate(StorageOptions options, List<string> errors)
    {
        if (options.UsesConnectionString)
        {
            return;
        }

        var identityBased = !string.IsNullOrWhiteSpace(options.AccountName)
            || (!string.IsNullOrWhiteSpace(options.TableServiceUri) && !string.IsNullOrWhiteSpace(options.QueueServiceUri));
        if (!identityBased)
        {
            errors.Add($"{Name} is required: a connection string (UseDevelopmentStorage=true locally), or {Name}__accountName, or both {Name}__tableServiceUri and {Name}__queueServiceUri.");
            return;
        }

        if (!string.IsNullOrWhiteSpace(options.TableServiceUri))
        {
            AbsoluteHttpUrl($"{Name}__tableServiceUri", options.TableServiceUri, errors);
        }

        if (!string.IsNullOrWhiteSpace(options.QueueServiceUri))
        {
            AbsoluteHttpUrl($"{Name}__queueServiceUri", options.QueueServiceUri, errors);
        }
    }
}
