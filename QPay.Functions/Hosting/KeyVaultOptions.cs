using Microsoft.Extensions.Configuration;

namespace QPay.Functions.Hosting;

/// <summary>
/// When set, secrets are read from this Key Vault with DefaultAzureCredential and refreshed on an
/// interval (see <see cref="KeyVaultConfigurationExtensions.AddQPayKeyVaultSecrets"/>).
/// </summary>
public sealed class KeyVaultOptions
{
    public const int DefaultRefreshIntervalSeconds = 300;
    public const int MinRefreshIntervalSeconds = 30;
    public const int MaxRefreshIntervalSeconds = 86_400;

    [ConfigurationKeyName(KeyVaultConfigurationExtensions.VaultUriSetting)]
    public string? VaultUri { get; set; }

    /// <summary>How often the vault is read again, so a rotated secret arrives without a restart.</summary>
    [ConfigurationKeyName(KeyVaultConfigurationExtensions.RefreshIntervalSetting)]
    public int RefreshIntervalSeconds { get; set; } = DefaultRefreshIntervalSeconds;
}

internal sealed class KeyVaultOptionsValidator : SettingsValidator<KeyVaultOptions>
{
    protected override void Validate(KeyVaultOptions options, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(options.VaultUri))
        {
            AbsoluteHttpUrl(KeyVaultConfigurationExtensions.VaultUriSetting, options.VaultUri, errors, requireHttps: true);
        }

        InRange(KeyVaultConfigurationExtensions.RefreshIntervalSetting, options.RefreshIntervalSeconds,
            KeyVaultOptions.MinRefreshIntervalSeconds, KeyVaultOptions.MaxRefreshIntervalSeconds, errors);
    }
}
