using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using QPay.Functions.Hosting;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Hosting;

public sealed class StartupTests
{
    public static TheoryData<string> RequiredSettings() =>
    [
        "AzureWebJobsStorage", "QPAY_BASE_URL", "QPAY_CLIENT_ID", "QPAY_CLIENT_SECRET", "QPAY_INVOICE_CODE",
        "QPAY_CALLBACK_PUBLIC_BASE_URL", "REDIS_DATABASE_URI", "QPAY_WEBHOOK_SECRET",
    ];

    public static TheoryData<string, string, string> MalformedSettings() => new()
    {
        { "QPAY_BASE_URL", "merchant.qpay.mn", "QPAY_BASE_URL must be an absolute http:// or https:// URL" },
        { "QPAY_CALLBACK_PUBLIC_BASE_URL", "ftp://example.com", "QPAY_CALLBACK_PUBLIC_BASE_URL must be an absolute" },
        { "QPAY_USD_TO_MNT_RATE", "0", "QPAY_USD_TO_MNT_RATE must be a number greater than 0" },
        { "QPAY_USD_TO_MNT_RATE", "three thousand", "QPAY_USD_TO_MNT_RATE" },
        { "PAYMENT_SESSION_TTL_SEC", "5", "PAYMENT_SESSION_TTL_SEC must be between 60" },
        { "PAYMENT_SESSION_TTL_SEC", "ten", "PAYMENT_SESSION_TTL_SEC" },
        { "STATUS_RATE_LIMIT_PER_MINUTE", "0", "STATUS_RATE_LIMIT_PER_MINUTE must be between 1" },
        { "SEED_SESSION_INSTANCE_RATE_PER_MINUTE", "0", "SEED_SESSION_INSTANCE_RATE_PER_MINUTE must be between 1 and 100000" },
        { "SEED_SESSION_INSTANCE_RATE_PER_MINUTE", "many", "SEED_SESSION_INSTANCE_RATE_PER_MINUTE" },
        { "MAX_OPEN_SESSIONS_PER_USER", "0", "MAX_OPEN_SESSIONS_PER_USER must be between 1 and 1000" },
        { "MAX_OPEN_SESSIONS_PER_USER", "1001", "MAX_OPEN_SESSIONS_PER_USER must be between 1 and 1000" },
        { "MAX_OPEN_SESSIONS_PER_USER", "five", "MAX_OPEN_SESSIONS_PER_USER" },
        { "REDIS_DATABASE_URI", "localhost:6379", "REDIS_DATABASE_URI must look like redis://host:port" },
        { "REDIS_DATABASE_URI", "redis://localhost:6379/x", "REDIS_DATABASE_URI has a database path" },
        { "QPAY_WEBHOOK_SECRET", "short", "QPAY_WEBHOOK_SECRET must be at least 32 bytes" },
        { "QPAY_WEBHOOK_SECRET_PREVIOUS", "short", "QPAY_WEBHOOK_SECRET_PREVIOUS must be at least 32 bytes" },
        { "AUTH_JWT_SECRET", "short", "AUTH_JWT_SECRET must be at least 32 bytes" },
        { "INTERNAL_AUTH_MODE", "Sometimes", "INTERNAL_AUTH_MODE must be FunctionKey or EntraId" },
        { "KEY_VAULT_URI", "http://vault.example.com", "KEY_VAULT_URI must be an https:// URL" },
        { "KEY_VAULT_REFRESH_INTERVAL_SEC", "5", "KEY_VAULT_REFRESH_INTERVAL_SEC must be between 30" },
        { "QPAY_ATTEMPT_TIMEOUT_SEC", "0", "QPAY_ATTEMPT_TIMEOUT_SEC must be between 1" },
        { "INTERNAL_WEBHOOK_DEBUG", "maybe", "INTERNAL_WEBHOOK_DEBUG" },
        { "QPAY_EBARIMT_ENABLED", "sometimes", "QPAY_EBARIMT_ENABLED" },
        { "QPAY_EBARIMT_DEFAULT_RECEIVER_TYPE", "ALIEN", "QPAY_EBARIMT_DEFAULT_RECEIVER_TYPE must be CITIZEN or COMPANY" },
        { "QPAY_EBARIMT_DISTRICT_CODE", "35", "QPAY_EBARIMT_DISTRICT_CODE must be 4 digits" },
        { "QPAY_EBARIMT_CLASSIFICATION_CODE", "12345678", "QPAY_EBARIMT_CLASSIFICATION_CODE must be 7 digits" },
        { "AUDIT_RETENTION_DAYS", "0", "AUDIT_RETENTION_DAYS must be between 1 and 3650" },
        { "AUDIT_RETENTION_DAYS", "ninety", "AUDIT_RETENTION_DAYS" },
        { "SESSION_RETENTION_DAYS", "7", "SESSION_RETENTION_DAYS must be between 30 and 3650" },
        { "SESSION_RETENTION_DAYS", "-1", "SESSION_RETENTION_DAYS must be between 30 and 3650" },
        { "SESSION_RETENTION_DAYS", "60", "SESSION_RETENTION_DAYS must be 0 (keep sessions) or at least AUDIT_RETENTION_DAYS" },
        { "SESSION_RETENTION_DAYS", "a year", "SESSION_RETENTION_DAYS" },
        { "CHECKOUT_DEMO_ENABLED", "yes please", "CHECKOUT_DEMO_ENABLED" },
    };

    [Fact]
    public void Knobs_that_exist_for_tests_cannot_be_set_from_configuration()
    {
        using var app = TestApp.Build(new Dictionary<string, string?>
        {
            ["OrderCreationQueue"] = "someone-elses-queue",
            ["PendingIndexPartition"] = "elsewhere",
            ["LegacyPendingIndexPartition"] = "elsewhere-too",
            ["ReconcileQueue"] = "someone-elses-visits",
            ["ReconcileQueueTarget"] = "1",
            ["ReconcileIssueLease"] = "00:00:00",
            ["OpenSessionsPartitionPrefix"] = "elsewhere~",
            ["RateLimitWindow"] = "00:00:01",
            ["ReconcileSchedule:0"] = "00:00:00",
            ["StuckClaimAfter"] = "00:00:00",
            ["TokenCacheKey"] = "another-key",
            ["TokenRenewalMargin"] = "00:00:00",
            ["RefundQueue"] = "someone-elses-refunds",
            ["RefundFollowUp"] = "00:00:00",
            ["MaxAttempts"] = "1",
            ["Queue"] = "someone-elses-receipts",
            ["UserSessionsPartitionPrefix"] = "elsewhere~",
            ["CheckNowWindow"] = "00:00:00",
            ["RunBudget"] = "1",
            ["IdempotencyKeyLifetime"] = "00:00:01",
            ["OrphanDueRowAge"] = "00:00:00",
            ["CursorPartition"] = "elsewhere",
            ["ScanPages"] = "1",
            ["SessionScanUserId"] = "someone",
            ["IdempotencyKeysTable"] = "someone-elses-keys",
            ["AzureWebJobsStorage:IdempotencyKeysTable"] = "someone-elses-keys",
        });

        var payments = app.Services.GetRequiredService<IOptions<QPay.Functions.Payments.PaymentOptions>>().Value;
        var qpay = app.Services.GetRequiredService<IOptions<QPay.Functions.QPayApi.QPayOptions>>().Value;
        Assert.Equal(QPay.Functions.Storage.StorageNames.OrderCreationQueue, payments.OrderCreationQueue);
        Assert.Equal(("reconcile", "pending-index"), (payments.PendingIndexPartition, payments.LegacyPendingIndexPartition));
        Assert.Equal((QPay.Functions.Storage.StorageNames.ReconcileQueue, 1000, TimeSpan.FromMinutes(10)), (payments.ReconcileQueue, payments.ReconcileQueueTarget, payments.ReconcileIssueLease));
        Assert.Equal("open~", payments.OpenSessionsPartitionPrefix);
        Assert.Equal(TimeSpan.FromMinutes(1), payments.RateLimitWindow);
        Assert.Equal(TimeSpan.FromMinutes(3), payments.ReconcileSchedule[0]);
        Assert.Equal(TimeSpan.FromMinutes(3), payments.StuckClaimAfter);
        Assert.Equal(QPay.Functions.Storage.RedisKeys.QPayToken, qpay.TokenCacheKey);
        Assert.Equal(TimeSpan.FromSeconds(60), qpay.TokenRenewalMargin);
        Assert.Equal((QPay.Functions.Storage.StorageNames.RefundQueue, TimeSpan.FromMinutes(15)), (payments.RefundQueue, payments.RefundFollowUp));
        var ebarimt = app.Services.GetRequiredService<IOptions<QPay.Functions.Payments.Receipts.EbarimtOptions>>().Value;
        Assert.Equal((QPay.Functions.Storage.StorageNames.EbarimtQueue, 5), (ebarimt.Queue, ebarimt.MaxAttempts));
        Assert.Equal(("user~", TimeSpan.FromSeconds(30)), (payments.UserSessionsPartitionPrefix, payments.CheckNowWindow));
        var retention = app.Services.GetRequiredService<IOptions<QPay.Functions.Payments.Retention.RetentionOptions>>().Value;
        Assert.Equal((5000, TimeSpan.FromDays(7), TimeSpan.FromHours(1)), (retention.RunBudget, retention.IdempotencyKeyLifetime, retention.OrphanDueRowAge));
        Assert.Equal(("retention", 5, (string?)null), (retention.CursorPartition, retention.ScanPages, retention.SessionScanUserId));
        var storage = app.Services.GetRequiredService<IOptions<QPay.Functions.Storage.StorageOptions>>().Value;
        Assert.Equal(QPay.Functions.Storage.StorageNames.IdempotencyKeysTable, storage.IdempotencyKeysTable);
    }

    [Fact]
    public void Retention_settings_default_to_ninety_days_of_events_and_sessions_kept_forever()
    {
        using var app = TestApp.Build();
        var retention = app.Services.GetRequiredService<IOptions<QPay.Functions.Payments.Retention.RetentionOptions>>().Value;
        Assert.Equal((90, 0, (TimeSpan?)null), (retention.AuditRetentionDays, retention.SessionRetentionDays, retention.SessionRetention));

        using var set = TestApp.Build(new Dictionary<string, string?> { ["AUDIT_RETENTION_DAYS"] = "30", ["SESSION_RETENTION_DAYS"] = "400" });
        var bound = set.Services.GetRequiredService<IOptions<QPay.Functions.Payments.Retention.RetentionOptions>>().Value;
        Assert.Equal((30, TimeSpan.FromDays(400)), (bound.AuditRetentionDays, bound.SessionRetention));
    }

    [Fact]
    public void The_checkout_demo_is_off_unless_set_and_needs_the_hs256_secret_it_signs_dev_tokens_with()
    {
        using var app = TestApp.Build(new Dictionary<string, string?> { ["CHECKOUT_DEMO_ENABLED"] = null });
        Assert.False(app.Services.GetRequiredService<IOptions<QPay.Functions.CheckoutWidget.CheckoutOptions>>().Value.DemoEnabled);

        var demo = new QPay.Functions.CheckoutWidget.CheckoutOptions { DemoEnabled = true };
        var withoutSecret = new QPay.Functions.CheckoutWidget.CheckoutOptionsValidator(Settings(new() { ["AUTH_JWT_AUTHORITY"] = "https://login.example.com" }));
        var withSecret = new QPay.Functions.CheckoutWidget.CheckoutOptionsValidator(Settings(new() { ["AUTH_JWT_SECRET"] = TestJwt.LocalSecret }));
        Assert.Contains("CHECKOUT_DEMO_ENABLED needs AUTH_JWT_SECRET", withoutSecret.Validate(null, demo).FailureMessage);
        Assert.True(withSecret.Validate(null, demo).Succeeded);

        static Microsoft.Extensions.Configuration.IConfiguration Settings(Dictionary<string, string?> values) =>
            Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(new Microsoft.Extensions.Configuration.ConfigurationBuilder(), values).Build();
    }

    [Fact]
    public void Container_builds_from_the_worker_startup_and_every_function_class_resolves()
    {
        using var host = TestApp.Build();
        host.Services.GetRequiredService<IStartupValidator>().Validate();

        var functionClasses = FunctionClasses().ToList();
        Assert.NotEmpty(functionClasses);
        foreach (var type in functionClasses)
        {
            var instance = ActivatorUtilities.CreateInstance(host.Services, type);
            Assert.IsType(type, instance);
        }
    }

    [Fact]
    public void The_worker_starts_without_data_protections_key_ring_preload_which_nothing_uses()
    {
        // The Functions ASP.NET Core integration registers it (AddMvc); without the removal this finds it.
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        var registeredByTheIntegration = builder.Services.Any(IsDataProtectionPreload);

        using var host = TestApp.Build();
        var hosted = host.Services.GetServices<IHostedService>().Select(s => s.GetType().FullName).ToList();

        Assert.True(registeredByTheIntegration);
        Assert.NotEmpty(hosted);
        Assert.DoesNotContain(DataProtectionPreload.HostedServiceName, hosted);
    }

    private static bool IsDataProtectionPreload(ServiceDescriptor d) =>
        d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == DataProtectionPreload.HostedServiceName;

    [Theory]
    [MemberData(nameof(RequiredSettings))]
    public async Task Missing_required_setting_stops_startup_naming_the_setting(string setting)
    {
        using var host = TestApp.Build(new Dictionary<string, string?> { [setting] = null });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains($"{setting} is required", error.Message);
    }

    [Theory]
    [MemberData(nameof(MalformedSettings))]
    public async Task Malformed_setting_stops_startup_naming_the_setting(string setting, string value, string expected)
    {
        using var host = TestApp.Build(new Dictionary<string, string?> { [setting] = value });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task Jwt_needs_a_secret_or_an_authority_with_an_audience()
    {
        using var host = TestApp.Build(new Dictionary<string, string?>
        {
            ["AUTH_JWT_SECRET"] = null,
            ["AUTH_JWT_AUTHORITY"] = "https://login.example.com/tenant/v2.0",
            ["AUTH_JWT_AUDIENCE"] = null,
            ["CHECKOUT_DEMO_ENABLED"] = null, // the local demo signs with the secret; an OIDC setup has it off
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("AUTH_JWT_AUDIENCE is required", error.Message);
    }

    /// <summary>Not a developer's machine: no Development flag (as in Azure, or a misconfigured host).</summary>
    private static readonly Dictionary<string, string?> OutsideDevelopment = new() { ["AZURE_FUNCTIONS_ENVIRONMENT"] = null };

    [Theory]
    [InlineData("QPAY_BASE_URL")]
    [InlineData("QPAY_CALLBACK_PUBLIC_BASE_URL")]
    public async Task Http_url_outside_local_development_stops_startup_naming_the_setting_but_not_its_value(string setting)
    {
        const string plainHttp = "http://qpay-plain-http.example.com";
        using var host = TestApp.Build(new Dictionary<string, string?>(OutsideDevelopment) { [setting] = plainHttp });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"{setting} must be an https:// URL outside local development", error.Message);
        Assert.DoesNotContain("qpay-plain-http", error.Message);
    }

    [Theory]
    [InlineData("QPAY_BASE_URL")]
    [InlineData("QPAY_CALLBACK_PUBLIC_BASE_URL")]
    public void Http_url_is_accepted_in_local_development(string setting)
    {
        using var host = TestApp.Build(new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = null,
            ["DOTNET_ENVIRONMENT"] = "Development",
            [setting] = "http://sandbox.lan.example.com:7080",
        });

        host.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData("QPAY_BASE_URL")]
    [InlineData("QPAY_CALLBACK_PUBLIC_BASE_URL")]
    public async Task Azure_is_never_local_development_whatever_the_environment_name_says(string setting)
    {
        using var host = TestApp.Build(new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
            ["WEBSITE_SITE_NAME"] = "func-qpay-ci",
            ["AUTH_JWT_ISSUER"] = "https://login.example.com/ci/v2.0",
            [setting] = "http://qpay-plain-http.example.com",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"{setting} must be an https:// URL outside local development", error.Message);
    }

    [Fact]
    public void Https_and_loopback_http_urls_are_accepted_outside_local_development()
    {
        // The sample's sandbox and callback are http on 127.0.0.1: nothing crosses a network.
        using var loopback = TestApp.Build(OutsideDevelopment);
        using var https = TestApp.Build(new Dictionary<string, string?>(OutsideDevelopment)
        {
            ["QPAY_BASE_URL"] = "https://merchant.qpay.mn",
            ["QPAY_CALLBACK_PUBLIC_BASE_URL"] = "https://pay.example.com",
        });

        loopback.Services.GetRequiredService<IStartupValidator>().Validate();
        https.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData("WEBSITE_INSTANCE_ID", "0123456789abcdef")]
    [InlineData("WEBSITE_SITE_NAME", "func-qpay-ci")]
    public async Task Missing_jwt_issuer_stops_startup_in_azure(string platformSetting, string value)
    {
        using var host = TestApp.Build(new Dictionary<string, string?> { [platformSetting] = value, ["AUTH_JWT_ISSUER"] = null });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("AUTH_JWT_ISSUER is required in Azure", error.Message);
    }

    [Fact]
    public void Jwt_issuer_may_be_empty_outside_azure_and_set_in_azure()
    {
        using var local = TestApp.Build(new Dictionary<string, string?>(OutsideDevelopment) { ["AUTH_JWT_ISSUER"] = null });
        using var azure = TestApp.Build(new Dictionary<string, string?> { ["WEBSITE_INSTANCE_ID"] = "0123456789abcdef", ["AUTH_JWT_ISSUER"] = "qpay-ci" });

        local.Services.GetRequiredService<IStartupValidator>().Validate();
        azure.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData(null, null, null, false, false)]
    [InlineData("Development", null, null, true, false)]
    [InlineData("development", null, null, true, false)]
    [InlineData("Production", null, null, false, false)]
    [InlineData(null, "Development", null, true, false)]
    [InlineData("Production", "Development", null, false, false)]
    [InlineData("Development", null, "func-qpay-ci", false, true)]
    [InlineData(null, null, "func-qpay-ci", false, true)]
    public void Deployment_environment_is_decided_by_the_tools_flag_and_the_platforms_variables(
        string? functionsEnvironment, string? dotnetEnvironment, string? siteName, bool localDevelopment, bool azure)
    {
        var configuration = Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder(),
            new Dictionary<string, string?>
            {
                ["AZURE_FUNCTIONS_ENVIRONMENT"] = functionsEnvironment,
                ["DOTNET_ENVIRONMENT"] = dotnetEnvironment,
                ["WEBSITE_SITE_NAME"] = siteName,
            }).Build();

        var environment = new QPay.Functions.Hosting.DeploymentEnvironment(configuration);

        Assert.Equal((localDevelopment, azure), (environment.IsLocalDevelopment, environment.IsAzure));
    }

    [Fact]
    public void The_local_sample_runs_as_local_development()
    {
        Assert.Equal("Development", LocalSettings.Values()["AZURE_FUNCTIONS_ENVIRONMENT"]);
    }

    [Fact]
    public async Task Validation_failure_never_echoes_a_secret_value()
    {
        const string secretLookingValue = "tiny-secret";
        using var host = TestApp.Build(new Dictionary<string, string?> { ["QPAY_WEBHOOK_SECRET"] = secretLookingValue });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.DoesNotContain(secretLookingValue, error.Message);
    }

    internal static IEnumerable<Type> FunctionClasses() =>
        typeof(QPay.Functions.Hosting.QPayBackendExtensions).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null));
}
