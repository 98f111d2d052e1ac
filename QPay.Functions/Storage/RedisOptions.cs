using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;

namespace QPay.Functions.Storage;

public sealed class RedisOptions
{
    public const string UriSetting = "REDIS_DATABASE_URI";

    /// <summary><c>redis://host:port</c>, or <c>rediss://:password@host:port</c> (TLS), optionally <c>/db</c>.</summary>
    [ConfigurationKeyName(UriSetting)]
    public string? DatabaseUri { get; set; }
}

internal sealed class RedisOptionsValidator : SettingsValidator<RedisOptions>
{
    protected override void Validate(RedisOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.DatabaseUri))
        {
            errors.Add($"{RedisOptions.UriSetting} is required.");
        }
        else if (!RedisUri.TryParse(options.DatabaseUri, out _, out var error))
        {
            errors.Add($"{RedisOptions.UriSetting} {error}");
        }
    }
}
