using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using QPay.Functions.Storage;

namespace QPay.Functions.Tests.Infra;

/// <summary>
/// CI's Bicep check: every template under infra/ builds and lints with no finding (bicepconfig.json
/// makes every rule an error), the parameters file builds against main.bicep, and the template
/// creates what design §5 and the app expect.
/// </summary>
public sealed class BicepTemplateTests
{
    /// <summary>Values for the variables main.bicepparam requires (all fake; nothing is deployed).</summary>
    internal static readonly Dictionary<string, string?> RequiredVariables = new()
    {
        ["AZURE_ENV_NAME"] = "ci",
        ["AZURE_LOCATION"] = "swedencentral",
        ["QPAY_CLIENT_ID"] = "TEST_MERCHANT",
        ["QPAY_INVOICE_CODE"] = "TEST_INVOICE",
        ["QPAY_CLIENT_SECRET"] = "not-a-real-client-secret",
        ["QPAY_WEBHOOK_SECRET"] = "not-a-real-webhook-secret-0123456789abcdef",
        ["AUTH_JWT_ISSUER"] = "https://login.example.com/ci/v2.0",
    };

    [Fact]
    public async Task Every_bicep_file_lints_without_a_single_finding()
    {
        var files = Directory.GetFiles(BicepCli.InfraDirectory, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(BicepCli.InfraDirectory, f)).Order().ToList();
        Assert.Contains("main.bicep", files);
        Assert.Contains(Path.Combine("modules", "functionapp.bicep"), files);

        var result = await BicepCli.RunAsync(["lint", "--pattern", "**/*.bicep"]);

        Assert.True(result.ExitCode == 0 && result.Output.Length == 0,
            $"bicep lint of {string.Join(", ", files)} reported (exit {result.ExitCode}):\n{result.Output}");
    }

    [Fact]
    public async Task Main_template_builds_to_a_subscription_scope_arm_template_without_a_finding()
    {
        var template = await BicepCli.MainTemplateAsync(); // fails on any build diagnostic

        Assert.Equal("https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", (string?)template["$schema"]);
        Assert.Single(ArmTemplate.OfType(template, "Microsoft.Resources/resourceGroups"));
    }

    [Fact]
    public async Task Parameters_file_lints_and_builds_against_main_when_its_variables_are_set()
    {
        var lint = await BicepCli.RunAsync(["lint", "main.bicepparam"], RequiredVariables);
        Assert.True(lint.ExitCode == 0 && lint.Output.Length == 0, $"bicep lint main.bicepparam reported:\n{lint.Output}");

        var build = await BicepCli.RunAsync(["build-params", "main.bicepparam", "--stdout"], RequiredVariables);
        Assert.True(build.ExitCode == 0, $"bicep build-params main.bicepparam failed:\n{build.Output}");
        var parameters = JsonNode.Parse((string)JsonNode.Parse(build.StandardOutput)!["parametersJson"]!)!["parameters"]!.AsObject();
        Assert.Equal("ci", (string?)parameters["environmentName"]!["value"]);
        Assert.Equal("https://merchant.qpay.mn", (string?)parameters["qpayBaseUrl"]!["value"]);
        Assert.Equal(600, (int)parameters["paymentSessionTtlSec"]!["value"]!);
    }

    [Theory]
    [InlineData("QPAY_WEBHOOK_SECRET")]
    [InlineData("AUTH_JWT_ISSUER")] // the app refuses to start in Azure without it
    public async Task Parameters_file_without_a_required_variable_fails_naming_it(string variable)
    {
        var missing = new Dictionary<string, string?>(RequiredVariables) { [variable] = null };

        var build = await BicepCli.RunAsync(["build-params", "main.bicepparam", "--stdout"], missing);

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains(variable, build.Output);
    }

    [Fact]
    public void Bicepconfig_turns_the_security_and_hygiene_rules_into_errors()
    {
        var config = JsonNode.Parse(
            File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        var rules = config["analyzers"]!["core"]!["rules"]!.AsObject();

        foreach (var rule in new[]
        {
            "secure-secrets-in-params", "outputs-should-not-contain-secrets", "no-hardcoded-env-urls", "no-unused-params",
            "no-unused-vars", "use-secure-value-for-secure-inputs", "secure-parameter-default", "secure-params-in-nested-deploy",
            "protect-commandtoexecute-secrets", "no-hardcoded-location", "use-stable-resource-identifiers",
        })
        {
            Assert.True((string?)rules[rule]?["level"] == "error", $"bicepconfig.json must set {rule} to error.");
        }
    }

    [Fact]
    public async Task Template_creates_the_tables_and_queues_of_design_section_5()
    {
        var template = await BicepCli.MainTemplateAsync();
        var storage = ArmTemplate.Module(template, "storage")["properties"]!["parameters"]!;
        var names = typeof(StorageNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);
        var tables = ArmTemplate.Resolve(template, storage["tableNames"]!["value"]!).AsArray().Select(n => (string)n!).ToList();
        var queues = ArmTemplate.Resolve(template, storage["queueNames"]!["value"]!).AsArray().Select(n => (string)n!).ToList();

        Assert.Equal(names.Where(n => n.Key.EndsWith("Table", StringComparison.Ordinal)).Select(n => n.Value).Order(), tables.Order());
        Assert.Equal(names.Where(n => n.Key.EndsWith("Queue", StringComparison.Ordinal)).Select(n => n.Value).Order(), queues.Order());
        Assert.Contains(StorageNames.OrderCreationPoisonQueue, queues);
    }

    [Fact]
    public async Task Storage_account_allows_no_shared_key_and_no_public_blob()
    {
        var template = await BicepCli.MainTemplateAsync();
        var account = ArmTemplate.OfType(template, "Microsoft.Storage/storageAccounts").Single()["properties"]!;

        Assert.False((bool)account["allowSharedKeyAccess"]!);
        Assert.False((bool)account["allowBlobPublicAccess"]!);
        Assert.Equal("TLS1_2", (string?)account["minimumTlsVersion"]);
    }

    [Fact]
    public async Task Key_vault_uses_rbac_and_application_insights_accepts_only_entra_tokens()
    {
        var template = await BicepCli.MainTemplateAsync();

        Assert.True((bool)ArmTemplate.OfType(template, "Microsoft.KeyVault/vaults").Single()["properties"]!["enableRbacAuthorization"]!);
        Assert.True((bool)ArmTemplate.OfType(template, "Microsoft.Insights/components").Single()["properties"]!["DisableLocalAuth"]!);
    }

    [Fact]
    public async Task Function_app_runs_dotnet_isolated_10_on_flex_consumption_as_the_user_assigned_identity()
    {
        var template = await BicepCli.MainTemplateAsync();
        var plan = ArmTemplate.OfType(template, "Microsoft.Web/serverfarms").Single();
        var site = ArmTemplate.OfType(template, "Microsoft.Web/sites").Single();
        var config = site["properties"]!["functionAppConfig"]!;

        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.Equal("UserAssigned", (string?)site["identity"]!["type"]);
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);
        Assert.Equal("UserAssignedIdentity", (string?)config["deployment"]!["storage"]!["authentication"]!["type"]);
        Assert.True((bool)site["properties"]!["httpsOnly"]!);
    }

    [Fact]
    public async Task Role_assignments_have_deterministic_names_and_only_data_plane_roles()
    {
        var template = await BicepCli.MainTemplateAsync();
        var assignments = ArmTemplate.OfType(template, "Microsoft.Authorization/roleAssignments").ToList();
        var rbac = ArmTemplate.Module(template, "rbac")["properties"]!["template"]!["variables"]!.AsObject();
        var allowed = new Dictionary<string, string>
        {
            ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
            ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
            ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
            ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
            ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = "Key Vault Secrets Officer (deployer only)",
            ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
        };

        Assert.NotEmpty(assignments);
        Assert.All(assignments, a => Assert.StartsWith("[guid(", (string)a["name"]!, StringComparison.Ordinal));
        var roleIds = rbac.Select(v => v.Value).OfType<JsonValue>().Select(v => (string)v!)
            .Where(v => Guid.TryParse(v, out _)).ToList();
        Assert.Equal(allowed.Keys.Order(), roleIds.Order());
    }

    [Fact]
    public async Task Outputs_name_the_function_url_and_the_webhook_url_for_azd()
    {
        var template = await BicepCli.MainTemplateAsync();
        var outputs = template["outputs"]!.AsObject().Select(o => o.Key).ToList();

        Assert.Subset(outputs.ToHashSet(), new HashSet<string>
        {
            "AZURE_LOCATION", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME", "AZURE_FUNCTION_URL",
            "QPAY_CALLBACK_PUBLIC_BASE_URL", "QPAY_WEBHOOK_URL", "AZURE_KEY_VAULT_NAME",
        });
    }
}
