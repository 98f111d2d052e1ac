using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QPay.Functions.Hosting;
using QPay.Functions.Storage;

namespace QPay.Functions.Tests.Infra;

/// <summary>
/// Item 4 of the deploy issue: the settings the template gives the app in Azure (app settings on
/// the function app, plus the Key Vault secrets the app loads through KEY_VAULT_URI, names mapped
/// '-' -> '_') cover every setting the app validates at start-up. The list of settings comes from
/// the app itself (the options types it validates and their [ConfigurationKeyName]s), so a new
/// setting fails this test until infra/ provides it.
/// </summary>
public sealed class AppSettingsCoverageTests
{
    /// <summary>
    /// Settings that may legitimately be absent in Azure. QPAY_WEBHOOK_SECRET_PREVIOUS exists only
    /// during a webhook-key rotation: the template creates it in Key Vault when the
    /// qpayWebhookSecretPrevious parameter is set, and it is deleted once the rotation is over.
    /// </summary>
    private static readonly HashSet<string> Optional = ["QPAY_WEBHOOK_SECRET_PREVIOUS"];

    /// <summary>Settings for the platform rather than the app's options: they may be set although no options type names them.</summary>
    private static readonly HashSet<string> Platform =
    [
        "APPLICATIONINSIGHTS_CONNECTION_STRING", TelemetryExtensions.AuthenticationStringSetting, "AZURE_CLIENT_ID",
        "AzureWebJobsStorage__blobServiceUri",
        "DOTNET_GCgen0size", // the runtime's gen0 budget (docs/performance.md, issue 21)
        "DOTNET_TieredPGO", "MALLOC_ARENA_MAX", // no PGO-instrumented tiers, two malloc arenas (the same)
    ];

    private static readonly string[] Secrets = ["QPAY_CLIENT_SECRET", "QPAY_WEBHOOK_SECRET", "AUTH_JWT_SECRET", "REDIS_DATABASE_URI"];

    [Fact]
    public async Task Template_provides_every_setting_the_app_validates_at_startup()
    {
        var provided = await ProvidedSettingsAsync();
        var required = StartupSettings().Where(s => !Optional.Contains(s)).ToList();

        var missing = required.Where(s => !provided.Contains(s)).Order().ToList();

        Assert.True(missing.Count == 0,
            $"infra/ provides no value for {string.Join(", ", missing)}: add it to the appsettings of infra/modules/functionapp.bicep " +
            "(or, for a secret, a dash-named secret in infra/modules/keyvault.bicep), or list it here as optional with the reason.");
        Assert.Contains("QPAY_WEBHOOK_SECRET", required);
        Assert.Contains("KEY_VAULT_URI", required);
    }

    [Fact]
    public async Task Storage_is_identity_based_with_no_connection_string()
    {
        var settings = (await AppSettingsAsync()).Select(s => s.Key).ToHashSet();

        Assert.DoesNotContain(StorageOptions.SettingName, settings);
        Assert.Subset(settings, new HashSet<string>
        {
            "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "AzureWebJobsStorage__blobServiceUri",
            "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri",
        });
    }

    [Fact]
    public async Task Identity_based_storage_settings_of_the_template_pass_the_apps_own_validation()
    {
        var storageSettings = (await AppSettingsAsync())
            .Where(s => s.Key.StartsWith(StorageOptions.SettingName + "__", StringComparison.Ordinal))
            .ToDictionary(s => s.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal),
                s => s.Key.EndsWith("ServiceUri", StringComparison.Ordinal) ? $"https://stqpay.{s.Key[21..^10].ToLowerInvariant()}.example.net/" : (string?)"managedidentity");
        storageSettings["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-000000000001";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(storageSettings).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddStorage().BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;

        Assert.False(options.UsesConnectionString);
        Assert.Equal("managedidentity", options.Credential);
        Assert.Equal(new Uri("https://stqpay.table.example.net/"), options.ResolveTableServiceUri());
        Assert.Equal(new Uri("https://stqpay.queue.example.net/"), options.ResolveQueueServiceUri());
    }

    [Fact]
    public async Task Secrets_come_from_key_vault_and_never_from_app_settings()
    {
        var template = await BicepCli.MainTemplateAsync();
        var appSettings = (await AppSettingsAsync()).Select(s => s.Key).ToHashSet();
        var vaultSettings = ArmTemplate.OfType(template, "Microsoft.KeyVault/vaults/secrets")
            .Select(s => KeyVaultSecretsConfigurationProvider.SettingName(ArmTemplate.LiteralChildName(s))).ToHashSet();

        Assert.Contains("KEY_VAULT_URI", appSettings);
        foreach (var secret in Secrets)
        {
            Assert.Contains(secret, vaultSettings);
            Assert.DoesNotContain(secret, appSettings);
        }
    }

    [Fact]
    public async Task Template_sets_no_app_setting_the_app_or_the_platform_does_not_read()
    {
        var known = StartupSettings().Concat(Platform).Concat(
        [
            "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "AzureWebJobsStorage__queueServiceUri",
            "AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__accountName",
        ]).ToHashSet();

        var unknown = (await AppSettingsAsync()).Select(s => s.Key).Where(k => !known.Contains(k)).ToList();

        Assert.True(unknown.Count == 0, $"The template sets settings nothing reads (a typo?): {string.Join(", ", unknown)}");
    }

    /// <summary>
    /// The settings behind every options type the app validates at start-up: each
    /// IValidateOptions&lt;T&gt; that AddQPayBackendServices registers, plus every options type that
    /// names its settings with [ConfigurationKeyName]. StorageOptions reads AzureWebJobsStorage, in
    /// Azure in its identity-based form (checked by name in <see cref="Storage_is_identity_based_with_no_connection_string"/>).
    /// </summary>
    internal static IReadOnlyList<string> StartupSettings()
    {
        var services = new ServiceCollection();
        services.AddQPayBackendServices();
        var validated = services
            .Select(d => d.ServiceType)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(t => t.GetGenericArguments()[0]);
        var named = typeof(QPayBackendExtensions).Assembly.GetTypes()
            .Where(t => t.GetProperties().Any(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>() is not null));
        var types = validated.Concat(named).Distinct().ToList();

        var settings = new List<string>();
        foreach (var type in types)
        {
            var names = type.GetProperties()
                .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name)
                .OfType<string>().ToList();
            if (type == typeof(StorageOptions))
            {
                settings.AddRange(["AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__queueServiceUri"]);
                continue;
            }

            Assert.True(names.Count > 0,
                $"{type.Name} is validated at start-up but names no setting with [ConfigurationKeyName]; teach {nameof(AppSettingsCoverageTests)} where it reads from.");
            settings.AddRange(names);
        }

        return settings.Distinct().ToList();
    }

    private static async Task<HashSet<string>> ProvidedSettingsAsync()
    {
        var template = await BicepCli.MainTemplateAsync();
        var provided = (await AppSettingsAsync()).Select(s => s.Key).ToHashSet();
        foreach (var secret in ArmTemplate.OfType(template, "Microsoft.KeyVault/vaults/secrets"))
        {
            provided.Add(KeyVaultSecretsConfigurationProvider.SettingName(ArmTemplate.LiteralChildName(secret)));
        }

        return provided;
    }

    /// <summary>The function app's app settings (the sites/config 'appsettings' resource), names and value expressions.</summary>
    private static async Task<IReadOnlyList<KeyValuePair<string, JsonNode?>>> AppSettingsAsync()
    {
        var template = await BicepCli.MainTemplateAsync();
        var config = ArmTemplate.OfType(template, "Microsoft.Web/sites/config")
            .Where(c => ArmTemplate.LiteralChildName(c) == "appsettings").ToList();
        Assert.True(config.Count == 1, "infra/ must declare exactly one Microsoft.Web/sites/config 'appsettings' resource.");
        Assert.DoesNotContain(ArmTemplate.OfType(template, "Microsoft.Web/sites"),
            s => s["properties"]?["siteConfig"]?["appSettings"] is not null);
        return config[0]["properties"]!.AsObject().ToList();
    }
}
