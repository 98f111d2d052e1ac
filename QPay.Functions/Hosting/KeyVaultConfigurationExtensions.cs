using System.Globalization;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;

namespace QPay.Functions.Hosting;

public static class KeyVaultConfigurationExtensions
{
    public const string VaultUriSetting = "KEY_VAULT_URI";
    public const string RefreshIntervalSetting = "KEY_VAULT_REFRESH_INTERVAL_SEC";
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromSeconds(KeyVaultOptions.DefaultRefreshIntervalSeconds);

    /// <summary>
    /// When <c>KEY_VAULT_URI</c> is an https URL, adds the vault's enabled secrets as settings
    /// (read with <see cref="DefaultAzureCredential"/>, refreshed every
    /// <c>KEY_VAULT_REFRESH_INTERVAL_SEC</c>). An empty setting adds nothing (local runs); a
    /// malformed one adds nothing either, and <see cref="KeyVaultOptionsValidator"/> stops start-up
    /// naming it. A vault that cannot be read throws here, which stops start-up with the reason.
    /// </summary>
    /// <param name="clientFactory">Tests pass a fake client; the app uses the real one.</param>
    public static IConfigurationManager AddQPayKeyVaultSecrets(
        this IConfigurationManager configuration,
        Func<Uri, SecretClient>? clientFactory = null,
        TimeProvider? timeProvider = null)
    {
        if (!TryGetVaultUri(configuration[VaultUriSetting], out var vaultUri))
        {
            return configuration;
        }

        var client = clientFactory?.Invoke(vaultUri) ?? new SecretClient(vaultUri, new DefaultAzureCredential());
        configuration.Add(new KeyVaultSecretsConfigurationSource
        {
            Client = client,
            RefreshInterval = RefreshInterval(configuration[RefreshIntervalSetting]),
            TimeProvider = timeProvider ?? TimeProvider.System,
        });
        return configuration;
    }

    private static bool TryGetVaultUri(string? value, out Uri vaultUri)
    {
        vaultUri = null!;
        return !string.IsNullOrWhiteSpace(value)
            && Uri.TryCreate(value, UriKind.Absolute, out vaultUri!)
            && vaultUri.Scheme == Uri.UriSchemeHttps;
    }

    /// <summary>The configured interval when it is valid; otherwise the default (the validator reports the bad value).</summary>
    private static TimeSpan RefreshInterval(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
        && seconds is >= KeyVaultOptions.MinRefreshIntervalSeconds and <= KeyVaultOptions.MaxRefreshIntervalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : DefaultRefreshInterval;
}
