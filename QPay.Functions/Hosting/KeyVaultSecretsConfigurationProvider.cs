using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;

namespace QPay.Functions.Hosting;

/// <summary>
/// Where the app's secrets come from in Azure: every enabled secret of one Key Vault, read with
/// the given <see cref="SecretClient"/> and refreshed every <see cref="RefreshInterval"/>.
/// </summary>
public sealed class KeyVaultSecretsConfigurationSource : IConfigurationSource
{
    public required SecretClient Client { get; init; }

    /// <summary>How often the vault is read again, so a rotated secret arrives without a restart.</summary>
    public TimeSpan RefreshInterval { get; init; } = KeyVaultConfigurationExtensions.DefaultRefreshInterval;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new KeyVaultSecretsConfigurationProvider(this);
}

/// <summary>
/// Loads the vault's enabled (and unexpired) secrets as configuration. Key Vault names allow only letters, digits
/// and <c>-</c>, so a name maps to a setting by <c>--</c> → <c>:</c> (a section, as in the Azure SDK's
/// provider) and then <c>-</c> → <c>_</c>: secret <c>QPAY-CLIENT-SECRET</c> is setting
/// <c>QPAY_CLIENT_SECRET</c>. Vault values win over environment variables.
/// <para>
/// The first load runs when the source is added and throws when the vault cannot be read, so the
/// worker never starts half-configured. Later refreshes fetch only secrets whose version changed,
/// keep the last good values when the vault is unreachable, and raise the reload token when
/// something changed (IOptionsMonitor and IConfiguration readers then see the new value). A
/// secret deleted or disabled in the vault disappears at the next refresh. Values are never
/// logged or put in an exception message.
/// </para>
/// </summary>
internal sealed class KeyVaultSecretsConfigurationProvider : ConfigurationProvider, IDisposable
{
    private readonly KeyVaultSecretsConfigurationSource _source;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private Dictionary<string, LoadedSecret> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private ITimer? _timer;
    private bool _disposed;

    public KeyVaultSecretsConfigurationProvider(KeyVaultSecretsConfigurationSource source) => _source = source;

    /// <summary>When the last refresh failed, why (for diagnostics; it never holds a secret value).</summary>
    public Exception? LastRefreshError { get; private set; }

    public override void Load()
    {
        try
        {
            var listed = _source.Client.GetPropertiesOfSecrets(CancellationToken.None).ToList();
            var loaded = new Dictionary<string, LoadedSecret>(StringComparer.OrdinalIgnoreCase);
            foreach (var properties in listed.Where(IsUsable))
            {
                var secret = _source.Client.GetSecret(properties.Name, properties.Version, CancellationToken.None).Value;
                loaded[properties.Name] = new LoadedSecret(properties.Version, secret.Value);
            }

            Apply(loaded, raiseReload: false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new InvalidOperationException(StartupFailureMessage(_source.Client.VaultUri, exception), exception);
        }

        _timer ??= _source.TimeProvider.CreateTimer(_ => _ = RefreshAsync(CancellationToken.None), null, _source.RefreshInterval, _source.RefreshInterval);
    }

    /// <summary>Reads the vault again; returns whether any setting changed. Never throws.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        if (_disposed || !await _refreshing.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            var current = _secrets;
            var loaded = new Dictionary<string, LoadedSecret>(StringComparer.OrdinalIgnoreCase);
            await foreach (var properties in _source.Client.GetPropertiesOfSecretsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!IsUsable(properties))
                {
                    continue;
                }

                if (current.TryGetValue(properties.Name, out var known) && known.Version == properties.Version)
                {
                    loaded[properties.Name] = known;
                    continue;
                }

                var secret = await _source.Client.GetSecretAsync(properties.Name, properties.Version, cancellationToken).ConfigureAwait(false);
                loaded[properties.Name] = new LoadedSecret(properties.Version, secret.Value.Value);
            }

            LastRefreshError = null;
            return Apply(loaded, raiseReload: true);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Keep serving the last good values; the next tick tries again.
            LastRefreshError = exception;
            return false;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>The setting a secret name stands for: <c>--</c> → <c>:</c>, then <c>-</c> → <c>_</c>.</summary>
    public static string SettingName(string secretName) =>
        secretName.Replace("--", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal).Replace('-', '_');

    public void Dispose()
    {
        _disposed = true;
        _timer?.Dispose();
    }

    /// <summary>Enabled, inside its validity window, and not the secret half of a Key Vault certificate.</summary>
    private bool IsUsable(SecretProperties properties)
    {
        var now = _source.TimeProvider.GetUtcNow();
        return properties.Enabled != false
            && !properties.Managed
            && !(properties.ExpiresOn <= now)
            && !(properties.NotBefore > now)
            && !string.IsNullOrEmpty(properties.Name);
    }

    private bool Apply(Dictionary<string, LoadedSecret> loaded, bool raiseReload)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, secret) in loaded)
        {
            data[SettingName(name)] = secret.Value;
        }

        var changed = !SameData(Data, data);
        _secrets = loaded;
        if (changed)
        {
            Data = data;
            if (raiseReload)
            {
                OnReload();
            }
        }

        return changed;
    }

    private static bool SameData(IDictionary<string, string?> left, Dictionary<string, string?> right) =>
        left.Count == right.Count
        && left.All(pair => right.TryGetValue(pair.Key, out var value) && string.Equals(value, pair.Value, StringComparison.Ordinal));

    private static string StartupFailureMessage(Uri vaultUri, Exception exception)
    {
        var reason = exception switch
        {
            RequestFailedException { Status: 401 or 403 } failed =>
                $"the vault refused access ({failed.Status} {failed.ErrorCode}): grant the app's managed identity the 'Key Vault Secrets User' role on the vault (RBAC mode)",
            RequestFailedException failed => $"the vault answered {failed.Status} {failed.ErrorCode}",
            Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException =>
                "no Azure credential could get a token (DefaultAzureCredential; in Azure set AZURE_CLIENT_ID to the user-assigned identity's client id)",
            _ => "the vault could not be reached",
        };
        return $"KEY_VAULT_URI is set but the secrets of {vaultUri} could not be read at start-up: {reason}. " +
            "Fix the access, or clear KEY_VAULT_URI to take secrets from plain settings.";
    }

    private sealed record LoadedSecret(string Version, string Value);
}
