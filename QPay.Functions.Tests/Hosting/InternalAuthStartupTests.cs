using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QPay.Functions.Security;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Hosting;

/// <summary>Start-up validation of INTERNAL_AUTH_MODE and its Entra ID settings.</summary>
public sealed class InternalAuthStartupTests
{
    private const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    private static Dictionary<string, string?> EntraId(params (string Setting, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>
        {
            ["INTERNAL_AUTH_MODE"] = "EntraId",
            ["INTERNAL_AUTH_ENTRA_TENANT_ID"] = Tenant,
            ["INTERNAL_AUTH_ENTRA_AUDIENCE"] = "api://qpay-payments",
            ["INTERNAL_AUTH_ENTRA_ROLE"] = "Payments.Internal",
        };
        foreach (var (setting, value) in changes)
        {
            settings[setting] = value;
        }

        return settings;
    }

    public static TheoryData<string, string?, string> BadEntraSettings() => new()
    {
        { "INTERNAL_AUTH_ENTRA_TENANT_ID", null, "INTERNAL_AUTH_ENTRA_TENANT_ID is required when INTERNAL_AUTH_MODE is EntraId" },
        { "INTERNAL_AUTH_ENTRA_TENANT_ID", "contoso-tenant-secretish", "INTERNAL_AUTH_ENTRA_TENANT_ID must be the directory (tenant) id, a GUID" },
        { "INTERNAL_AUTH_ENTRA_AUDIENCE", null, "INTERNAL_AUTH_ENTRA_AUDIENCE is required when INTERNAL_AUTH_MODE is EntraId" },
        { "INTERNAL_AUTH_ENTRA_AUDIENCE", " , ", "INTERNAL_AUTH_ENTRA_AUDIENCE is required when INTERNAL_AUTH_MODE is EntraId" },
        { "INTERNAL_AUTH_ENTRA_ROLE", null, "INTERNAL_AUTH_ENTRA_ROLE is required when INTERNAL_AUTH_MODE is EntraId" },
        { "INTERNAL_AUTH_ENTRA_ROLE", "Payments Internal", "INTERNAL_AUTH_ENTRA_ROLE must be an app role's value" },
        { "INTERNAL_AUTH_ENTRA_AUTHORITY", "http://login.example.com/tenant/v2.0", "INTERNAL_AUTH_ENTRA_AUTHORITY must be an https:// URL" },
        { "INTERNAL_AUTH_ENTRA_AUTHORITY", "login.example.com", "INTERNAL_AUTH_ENTRA_AUTHORITY must be an absolute http:// or https:// URL" },
    };

    [Theory]
    [MemberData(nameof(BadEntraSettings))]
    public async Task Entra_id_mode_stops_startup_naming_the_setting_without_its_value(string setting, string? value, string expected)
    {
        using var host = TestApp.Build(EntraId((setting, value)));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message);
        if (!string.IsNullOrWhiteSpace(value))
        {
            Assert.DoesNotContain(value, error.Message);
        }
    }

    [Fact]
    public async Task Entra_id_settings_are_ignored_in_function_key_mode()
    {
        using var host = TestApp.Build(EntraId(("INTERNAL_AUTH_MODE", "FunctionKey"), ("INTERNAL_AUTH_ENTRA_TENANT_ID", "not-a-guid"), ("INTERNAL_AUTH_ENTRA_ROLE", null)));

        var options = host.Services.GetRequiredService<IOptions<InternalAuthOptions>>().Value;

        Assert.False(options.UsesEntraId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http://127.0.0.1:5099/tenant/v2.0")]
    [InlineData("https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0")]
    public void A_complete_entra_id_setup_is_valid_and_derives_the_tenants_issuers(string? authority)
    {
        using var host = TestApp.Build(EntraId(("INTERNAL_AUTH_ENTRA_AUTHORITY", authority)));

        var options = host.Services.GetRequiredService<IOptions<InternalAuthOptions>>().Value;

        Assert.True(options.UsesEntraId);
        Assert.Equal([$"https://sts.windows.net/{Tenant}/", $"https://login.microsoftonline.com/{Tenant}/v2.0"], options.Issuers);
        Assert.Equal(authority?.TrimEnd('/') ?? $"https://login.microsoftonline.com/{Tenant}/v2.0", options.MetadataAuthority);
    }

    [Fact]
    public void The_default_is_function_key_mode()
    {
        using var host = TestApp.Build();

        Assert.False(host.Services.GetRequiredService<IOptions<InternalAuthOptions>>().Value.UsesEntraId);
    }
}
