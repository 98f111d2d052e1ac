using Microsoft.Extensions.Configuration;

namespace QPay.Functions.Hosting;

/// <summary>When set, secrets are read from this Key Vault with DefaultAzureCredential.</summary>
public sealed class KeyVaultOptions
{
    [ConfigurationKeyName("KEY_VAULT_URI")]
    public string? VaultUri { get; set; }
}

internal sealed class KeyVaultOptionsValidator : SettingsValidator<KeyVaultOptions>
{
    protected override void Validate(KeyVaultOptions options, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(options.VaultUri))
        {
            AbsoluteHttpUrl("KEY_VAULT_URI", options.VaultUri, errors, requireHttps: true);
        }
    }
}
