using Azure;
using Azure.Security.KeyVault.Secrets;
using Moq;

namespace QPay.Functions.Tests.KeyVault;

/// <summary>
/// An in-memory Key Vault behind the real <see cref="SecretClient"/> surface (its protected
/// constructor exists for this): secrets have versions, can be disabled, rotated and deleted, and
/// every call can be made to fail.
/// </summary>
internal sealed class FakeSecretClient : SecretClient
{
    private readonly Dictionary<string, (SecretProperties Properties, string Value)> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();
    private int _versions;

    public FakeSecretClient(Uri? vaultUri = null) => VaultUri = vaultUri ?? new Uri("https://kv-qpay-test.vault.azure.net/");

    public override Uri VaultUri { get; }

    /// <summary>When set, every call throws it (an unreachable or forbidding vault).</summary>
    public Exception? Failure { get; set; }

    public int GetSecretCalls { get; private set; }

    /// <summary>Creates the secret or a new version of it (a rotation).</summary>
    public FakeSecretClient Set(string name, string value, bool enabled = true, bool managed = false, DateTimeOffset? expiresOn = null, DateTimeOffset? notBefore = null)
    {
        lock (_gate)
        {
            var version = $"v{++_versions:D4}";
            var properties = SecretModelFactory.SecretProperties(
                id: new Uri(VaultUri, $"secrets/{name}/{version}"), vaultUri: VaultUri, name: name, version: version, managed: managed);
            properties.Enabled = enabled;
            properties.ExpiresOn = expiresOn;
            properties.NotBefore = notBefore;
            _secrets[name] = (properties, value);
            return this;
        }
    }

    public void Delete(string name)
    {
        lock (_gate)
        {
            _secrets.Remove(name);
        }
    }

    public override Pageable<SecretProperties> GetPropertiesOfSecrets(CancellationToken cancellationToken = default) =>
        Pageable<SecretProperties>.FromPages([Page<SecretProperties>.FromValues(List(), null, Mock.Of<Response>())]);

    public override AsyncPageable<SecretProperties> GetPropertiesOfSecretsAsync(CancellationToken cancellationToken = default) =>
        AsyncPageable<SecretProperties>.FromPages([Page<SecretProperties>.FromValues(List(), null, Mock.Of<Response>())]);

    public override Response<KeyVaultSecret> GetSecret(string name, string? version = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ThrowIfFailing();
            GetSecretCalls++;
            if (!_secrets.TryGetValue(name, out var secret) || (version is not null && secret.Properties.Version != version))
            {
                throw new RequestFailedException(404, "SecretNotFound", "SecretNotFound", null);
            }

            if (secret.Properties.Enabled == false)
            {
                throw new RequestFailedException(403, "Operation get is not allowed on a disabled secret.", "Forbidden", null);
            }

            return Response.FromValue(SecretModelFactory.KeyVaultSecret(secret.Properties, secret.Value), Mock.Of<Response>());
        }
    }

    public override Task<Response<KeyVaultSecret>> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetSecret(name, version, cancellationToken));

    private List<SecretProperties> List()
    {
        lock (_gate)
        {
            ThrowIfFailing();
            return _secrets.Values.Select(s => s.Properties).ToList();
        }
    }

    private void ThrowIfFailing()
    {
        if (Failure is { } failure)
        {
            throw failure;
        }
    }
}
