using Azure;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using QPay.Functions.Hosting;
using QPay.Functions.Security;

namespace QPay.Functions.Tests.KeyVault;

public sealed class KeyVaultSecretsConfigurationProviderTests
{
    private const string VaultUri = "https://kv-qpay-test.vault.azure.net/";
    private const string WebhookSecret = "vault-webhook-secret-0123456789abcdef-v1";
    private const string RotatedWebhookSecret = "vault-webhook-secret-0123456789abcdef-v2";

    private readonly FakeSecretClient _vault = new(new Uri(VaultUri));
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Secret_names_map_dashes_to_underscores_and_double_dashes_to_sections()
    {
        _vault.Set("QPAY-CLIENT-SECRET", "client-secret")
            .Set("QPAY-WEBHOOK-SECRET", WebhookSecret)
            .Set("REDIS-DATABASE-URI", "rediss://:key@redis.example.com:10000")
            .Set("Feature--Flag-Name", "on");

        var configuration = Build();

        Assert.Equal("client-secret", configuration["QPAY_CLIENT_SECRET"]);
        Assert.Equal(WebhookSecret, configuration["QPAY_WEBHOOK_SECRET"]);
        Assert.Equal("rediss://:key@redis.example.com:10000", configuration["REDIS_DATABASE_URI"]);
        Assert.Equal("on", configuration["Feature:Flag_Name"]);
        Assert.Null(configuration["QPAY-CLIENT-SECRET"]);
    }

    [Fact]
    public void Disabled_and_certificate_backed_secrets_are_skipped()
    {
        _vault.Set("QPAY-CLIENT-SECRET", "client-secret")
            .Set("QPAY-WEBHOOK-SECRET-PREVIOUS", "retired-secret-0123456789abcdef-0123", enabled: false)
            .Set("TLS-CERT", "-----BEGIN PRIVATE KEY-----", managed: true);

        var configuration = Build();

        Assert.Equal("client-secret", configuration["QPAY_CLIENT_SECRET"]);
        Assert.Null(configuration["QPAY_WEBHOOK_SECRET_PREVIOUS"]);
        Assert.Null(configuration["TLS_CERT"]);
    }

    [Fact]
    public void Expired_and_not_yet_valid_secrets_are_skipped()
    {
        var now = _time.GetUtcNow();
        _vault.Set("QPAY-CLIENT-SECRET", "client-secret", expiresOn: now.AddDays(1))
            .Set("AUTH-JWT-SECRET", "expired-jwt-secret-0123456789abcdef-01", expiresOn: now.AddSeconds(-1))
            .Set("QPAY-WEBHOOK-SECRET-PREVIOUS", "future-secret-0123456789abcdef-0123", notBefore: now.AddHours(1));

        var configuration = Build();

        Assert.Equal("client-secret", configuration["QPAY_CLIENT_SECRET"]);
        Assert.Null(configuration["AUTH_JWT_SECRET"]);
        Assert.Null(configuration["QPAY_WEBHOOK_SECRET_PREVIOUS"]);
    }

    [Fact]
    public void Vault_values_win_over_plain_settings()
    {
        _vault.Set("QPAY-CLIENT-SECRET", "from-the-vault");

        var configuration = Build(new Dictionary<string, string?> { ["QPAY_CLIENT_SECRET"] = "from-an-app-setting" });

        Assert.Equal("from-the-vault", configuration["QPAY_CLIENT_SECRET"]);
    }

    [Fact]
    public async Task Rotated_secret_reaches_options_monitor_after_the_refresh_interval_without_a_restart()
    {
        _vault.Set("QPAY-WEBHOOK-SECRET", WebhookSecret);
        var configuration = Build(new Dictionary<string, string?> { ["KEY_VAULT_REFRESH_INTERVAL_SEC"] = "60" });
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddOptions<WebhookTokenOptions>().BindConfiguration(string.Empty).Services
            .BuildServiceProvider();
        var monitor = services.GetRequiredService<IOptionsMonitor<WebhookTokenOptions>>();
        Assert.Equal(WebhookSecret, monitor.CurrentValue.Secret);

        _vault.Set("QPAY-WEBHOOK-SECRET", RotatedWebhookSecret);
        var reloaded = NextReload(configuration);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(WebhookSecret, monitor.CurrentValue.Secret);
        _time.Advance(TimeSpan.FromSeconds(1));
        await reloaded.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(RotatedWebhookSecret, monitor.CurrentValue.Secret);
        Assert.Equal(RotatedWebhookSecret, configuration["QPAY_WEBHOOK_SECRET"]);
    }

    [Fact]
    public async Task Refresh_fetches_only_secrets_whose_version_changed()
    {
        _vault.Set("QPAY-CLIENT-SECRET", "client-secret").Set("QPAY-WEBHOOK-SECRET", WebhookSecret);
        var provider = BuildProvider(out _);
        Assert.Equal(2, _vault.GetSecretCalls);

        Assert.False(await provider.RefreshAsync(CancellationToken.None));
        Assert.Equal(2, _vault.GetSecretCalls);

        _vault.Set("QPAY-WEBHOOK-SECRET", RotatedWebhookSecret);
        Assert.True(await provider.RefreshAsync(CancellationToken.None));
        Assert.Equal(3, _vault.GetSecretCalls);
    }

    [Fact]
    public async Task Secret_deleted_or_disabled_in_the_vault_disappears_at_the_next_refresh()
    {
        _vault.Set("QPAY-WEBHOOK-SECRET", RotatedWebhookSecret)
            .Set("QPAY-WEBHOOK-SECRET-PREVIOUS", WebhookSecret)
            .Set("AUTH-JWT-SECRET", "jwt-secret-0123456789abcdef-0123456789");
        var provider = BuildProvider(out var configuration);

        _vault.Delete("QPAY-WEBHOOK-SECRET-PREVIOUS");
        _vault.Set("AUTH-JWT-SECRET", "jwt-secret-0123456789abcdef-0123456789", enabled: false);
        Assert.True(await provider.RefreshAsync(CancellationToken.None));

        Assert.Null(configuration["QPAY_WEBHOOK_SECRET_PREVIOUS"]);
        Assert.Null(configuration["AUTH_JWT_SECRET"]);
        Assert.Equal(RotatedWebhookSecret, configuration["QPAY_WEBHOOK_SECRET"]);
    }

    [Fact]
    public async Task Unreachable_vault_during_a_refresh_keeps_the_last_good_values()
    {
        _vault.Set("QPAY-WEBHOOK-SECRET", WebhookSecret);
        var provider = BuildProvider(out var configuration);

        _vault.Failure = new RequestFailedException(503, "Service Unavailable");
        Assert.False(await provider.RefreshAsync(CancellationToken.None));
        Assert.Equal(WebhookSecret, configuration["QPAY_WEBHOOK_SECRET"]);
        Assert.IsType<RequestFailedException>(provider.LastRefreshError);

        _vault.Failure = null;
        _vault.Set("QPAY-WEBHOOK-SECRET", RotatedWebhookSecret);
        Assert.True(await provider.RefreshAsync(CancellationToken.None));
        Assert.Equal(RotatedWebhookSecret, configuration["QPAY_WEBHOOK_SECRET"]);
        Assert.Null(provider.LastRefreshError);
    }

    [Fact]
    public void Forbidding_vault_at_startup_stops_startup_naming_the_setting_and_the_missing_role()
    {
        _vault.Set("QPAY-WEBHOOK-SECRET", WebhookSecret);
        _vault.Failure = new RequestFailedException(403, "Caller is not authorized", "Forbidden", null);

        var error = Assert.Throws<InvalidOperationException>(() => Build());

        Assert.Contains("KEY_VAULT_URI", error.Message);
        Assert.Contains(VaultUri, error.Message);
        Assert.Contains("Key Vault Secrets User", error.Message);
        Assert.DoesNotContain(WebhookSecret, error.Message);
    }

    [Fact]
    public void Vault_without_credentials_at_startup_stops_startup_with_the_reason()
    {
        _vault.Failure = new CredentialUnavailableException("DefaultAzureCredential failed to retrieve a token.");

        var error = Assert.Throws<InvalidOperationException>(() => Build());

        Assert.Contains("KEY_VAULT_URI", error.Message);
        Assert.Contains("AZURE_CLIENT_ID", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("http://kv-qpay-test.vault.azure.net/")]
    [InlineData("not a url")]
    public void Empty_or_malformed_vault_uri_adds_no_vault_and_leaves_the_message_to_the_validator(string value)
    {
        var factoryCalls = 0;
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["KEY_VAULT_URI"] = value });

        configuration.AddQPayKeyVaultSecrets(_ => { factoryCalls++; return _vault; }, _time);

        Assert.Equal(0, factoryCalls);
        Assert.DoesNotContain(configuration.Sources, s => s is KeyVaultSecretsConfigurationSource);
    }

    [Fact]
    public void Refresh_interval_comes_from_its_setting_and_falls_back_to_five_minutes()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), SourceOf(Build(new Dictionary<string, string?> { ["KEY_VAULT_REFRESH_INTERVAL_SEC"] = "120" })).RefreshInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), SourceOf(Build()).RefreshInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), SourceOf(Build(new Dictionary<string, string?> { ["KEY_VAULT_REFRESH_INTERVAL_SEC"] = "1" })).RefreshInterval);
    }

    private ConfigurationManager Build(Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationManager();
        var values = new Dictionary<string, string?>(settings ?? []) { ["KEY_VAULT_URI"] = VaultUri };
        configuration.AddInMemoryCollection(values);
        configuration.AddQPayKeyVaultSecrets(uri =>
        {
            Assert.Equal(new Uri(VaultUri), uri);
            return _vault;
        }, _time);
        return configuration;
    }

    private KeyVaultSecretsConfigurationProvider BuildProvider(out ConfigurationManager configuration)
    {
        configuration = Build();
        return ((IConfigurationRoot)configuration).Providers.OfType<KeyVaultSecretsConfigurationProvider>().Single();
    }

    private static KeyVaultSecretsConfigurationSource SourceOf(ConfigurationManager configuration) =>
        configuration.Sources.OfType<KeyVaultSecretsConfigurationSource>().Single();

    private static Task NextReload(IConfiguration configuration)
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ChangeToken.OnChange(configuration.GetReloadToken, () => reloaded.TrySetResult());
        return reloaded.Task;
    }
}
