using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace QPay.Functions.Tests.Infra;

/// <summary>
/// Issue 20, network and least privilege, over the compiled ARM JSON: with vnetEnabled (the
/// default) Storage, Key Vault and Redis take no public traffic and are reached through private
/// endpoints whose DNS zones are linked to the VNet the function app integrates with; purge
/// protection, TLS, role scopes and diagnostic settings are as a payments team deploys them.
/// </summary>
public sealed partial class NetworkTemplateTests
{
    private const string PrivateOnly = "[parameters('privateOnly')]";

    [Fact]
    public async Task Vnet_is_on_by_default_and_the_parameters_file_turns_it_off_with_VNET_ENABLED_false()
    {
        var template = await BicepCli.MainTemplateAsync();
        Assert.True((bool)template["parameters"]!["vnetEnabled"]!["defaultValue"]!);

        Assert.True(await VnetEnabledParameterAsync(null));
        Assert.False(await VnetEnabledParameterAsync("false"));
    }

    [Theory]
    [InlineData("storage", "Microsoft.Storage/storageAccounts")]
    [InlineData("keyvault", "Microsoft.KeyVault/vaults")]
    [InlineData("redis", "Microsoft.Cache/redisEnterprise")]
    public async Task With_vnetEnabled_the_service_refuses_public_network_access_and_without_it_accepts_it(string module, string type)
    {
        var template = await BicepCli.MainTemplateAsync();
        Assert.Equal("[parameters('vnetEnabled')]", (string?)ArmTemplate.Module(template, module)["properties"]!["parameters"]!["privateOnly"]!["value"]);
        var properties = ArmTemplate.OfType(template, type).Single()["properties"]!;

        Assert.Equal("Disabled", WhenPrivateOnly(properties["publicNetworkAccess"]!, privateOnly: true));
        Assert.Equal("Enabled", WhenPrivateOnly(properties["publicNetworkAccess"]!, privateOnly: false));
        if (properties["networkAcls"] is JsonObject acls)
        {
            Assert.Equal("Deny", WhenPrivateOnly(acls["defaultAction"]!, privateOnly: true));
        }
    }

    [Fact]
    public async Task Private_endpoints_with_linked_dns_zones_reach_blob_queue_table_vault_and_redis()
    {
        var template = await BicepCli.MainTemplateAsync();
        var endpoints = template["variables"]!["privateEndpoints"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var network = ArmTemplate.Module(template, "network");
        var zoneNames = network["properties"]!["template"]!["variables"]!["dnsZoneNames"]!.AsArray().Select(z => (string)z!).ToList();
        var zoneIds = network["properties"]!["template"]!["outputs"]!["dnsZoneIds"]!["value"]!.AsObject();

        Assert.Equal(["blob", "queue", "redisEnterprise", "table", "vault"], endpoints.Select(e => (string)e["groupId"]!).Order());
        Assert.Equal("[parameters('vnetEnabled')]", (string?)network["condition"]);
        Assert.Equal("[parameters('vnetEnabled')]", (string?)EndpointModule(template)["condition"]);
        foreach (var (service, zone) in new[]
        {
            ("blob", "privatelink.blob."), ("queue", "privatelink.queue."), ("table", "privatelink.table."),
            ("vault", "vaultcore"), ("redis", "privatelink.redis.azure.net"),
        })
        {
            var index = zoneNames.FindIndex(z => z.Contains(zone, StringComparison.Ordinal));
            Assert.True(index >= 0, $"No private DNS zone for {service}: {string.Join(", ", zoneNames)}");
            Assert.Equal($"[resourceId('Microsoft.Network/privateDnsZones', variables('dnsZoneNames')[{index}])]", (string?)zoneIds[service]);
            Assert.Contains(endpoints, e => (string?)e["service"] == service);
        }

        // One zone and one link to the VNet per zone name; every endpoint registers in its zone.
        var zones = ArmTemplate.OfType(template, "Microsoft.Network/privateDnsZones").Single();
        var link = ArmTemplate.OfType(template, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").Single();
        Assert.Equal("[length(variables('dnsZoneNames'))]", (string?)zones["copy"]!["count"]);
        Assert.Equal("[length(variables('dnsZoneNames'))]", (string?)link["copy"]!["count"]);
        Assert.Equal("[resourceId('Microsoft.Network/virtualNetworks', parameters('name'))]", (string?)link["properties"]!["virtualNetwork"]!["id"]);
        Assert.False((bool)link["properties"]!["registrationEnabled"]!);
        var zoneGroup = ArmTemplate.OfType(template, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Single();
        Assert.Equal("[parameters('dnsZoneId')]", (string?)zoneGroup["properties"]!["privateDnsZoneConfigs"]![0]!["properties"]!["privateDnsZoneId"]);
        var endpointParameters = EndpointModule(template)["properties"]!["parameters"]!;
        Assert.Contains("outputs.dnsZoneIds.value[variables('privateEndpoints')[copyIndex()].service]", (string)endpointParameters["dnsZoneId"]!["value"]!, StringComparison.Ordinal);
        Assert.Contains("outputs.privateEndpointSubnetId.value", (string)endpointParameters["subnetId"]!["value"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Function_app_integrates_with_a_subnet_delegated_for_flex_consumption_and_egress_stays_open()
    {
        var template = await BicepCli.MainTemplateAsync();
        var subnetParameter = (string)ArmTemplate.Module(template, "functionapp")["properties"]!["parameters"]!["virtualNetworkSubnetId"]!.ToString();
        var site = ArmTemplate.OfType(template, "Microsoft.Web/sites").Single();
        var vnet = ArmTemplate.OfType(template, "Microsoft.Network/virtualNetworks").Single();
        var appSubnet = vnet["properties"]!["subnets"]!.AsArray().Single(s => (string?)s!["name"] == "app")!["properties"]!;

        Assert.StartsWith("[if(parameters('vnetEnabled'),", subnetParameter, StringComparison.Ordinal);
        Assert.Contains("outputs.appSubnetId.value", subnetParameter, StringComparison.Ordinal);
        Assert.Equal("[if(empty(parameters('virtualNetworkSubnetId')), null(), parameters('virtualNetworkSubnetId'))]", (string?)site["properties"]!["virtualNetworkSubnetId"]);
        Assert.Equal("Microsoft.App/environments", (string?)appSubnet["delegations"]![0]!["properties"]!["serviceName"]);
        // Outbound to QPay: no NSG, no forced-tunnel route table, default outbound access kept.
        Assert.True((bool)appSubnet["defaultOutboundAccess"]!);
        Assert.Null(appSubnet["networkSecurityGroup"]);
        Assert.Null(appSubnet["routeTable"]);
        Assert.Empty(ArmTemplate.OfType(template, "Microsoft.Network/networkSecurityGroups"));
        Assert.Empty(ArmTemplate.OfType(template, "Microsoft.Network/routeTables"));
    }

    [Fact]
    public async Task Key_vault_keeps_deleted_secrets_with_purge_protection_on()
    {
        var template = await BicepCli.MainTemplateAsync();
        var vault = ArmTemplate.OfType(template, "Microsoft.KeyVault/vaults").Single()["properties"]!;

        Assert.True((bool)vault["enablePurgeProtection"]!);
        Assert.True((bool)vault["enableSoftDelete"]!);
        Assert.True((int)vault["softDeleteRetentionInDays"]! >= 7);
    }

    [Fact]
    public async Task Redis_is_tls_1_2_only_and_its_access_key_reaches_the_app_only_through_key_vault()
    {
        var template = await BicepCli.MainTemplateAsync();
        var cluster = ArmTemplate.OfType(template, "Microsoft.Cache/redisEnterprise").Single()["properties"]!;
        var database = ArmTemplate.OfType(template, "Microsoft.Cache/redisEnterprise/databases").Single()["properties"]!;
        var keyUsers = ArmTemplate.Resources(template).Select(r => r.Resource)
            .Where(r => r.ToJsonString().Contains("listKeys(", StringComparison.Ordinal) && ArmTemplate.Type(r) != "Microsoft.Resources/deployments")
            .Select(r => (string?)r["name"]).ToList();

        Assert.Equal("1.2", (string?)cluster["minimumTlsVersion"]);
        Assert.Equal("Encrypted", (string?)database["clientProtocol"]);
        Assert.Equal(["[format('{0}/{1}', parameters('name'), 'REDIS-DATABASE-URI')]"], keyUsers);
        Assert.DoesNotContain("listKeys(", OutputsOf(template), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_role_assignment_is_scoped_to_one_resource_never_a_resource_group_or_subscription()
    {
        var template = await BicepCli.MainTemplateAsync();
        var assignments = ArmTemplate.OfType(template, "Microsoft.Authorization/roleAssignments").ToList();

        Assert.NotEmpty(assignments);
        Assert.All(assignments, a =>
        {
            var scope = (string?)a["scope"];
            Assert.NotNull(scope);
            var match = ResourceIdScope().Match(scope);
            Assert.True(match.Success, $"Role assignment {a["name"]} is not scoped to a resource: {scope}");
            Assert.DoesNotContain("Microsoft.Resources/", match.Groups["type"].Value, StringComparison.Ordinal);
            Assert.StartsWith("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('", (string)a["properties"]!["roleDefinitionId"]!, StringComparison.Ordinal);
        });
        var scopeTypes = assignments.Select(a => ResourceIdScope().Match((string)a["scope"]!).Groups["type"].Value).ToHashSet();
        Assert.Equal(["Microsoft.Insights/components", "Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts"], scopeTypes.Order());
    }

    [Fact]
    public async Task Diagnostic_settings_send_each_storage_service_key_vault_redis_and_the_function_app_to_log_analytics()
    {
        var template = await BicepCli.MainTemplateAsync();
        var settings = ArmTemplate.Resources(template).Where(r => ArmTemplate.Type(r.Resource) == "Microsoft.Insights/diagnosticSettings").ToList();
        var scopes = settings.Select(s => ResourceIdScope().Match((string)s.Resource["scope"]!).Groups["type"].Value).ToList();

        Assert.Subset(scopes.ToHashSet(), new HashSet<string>
        {
            "Microsoft.Storage/storageAccounts/blobServices", "Microsoft.Storage/storageAccounts/queueServices",
            "Microsoft.Storage/storageAccounts/tableServices", "Microsoft.KeyVault/vaults",
            "Microsoft.Cache/redisEnterprise/databases", "Microsoft.Web/sites",
        });
        Assert.All(settings, s => Assert.Equal("[parameters('logAnalyticsWorkspaceId')]", (string?)s.Resource["properties"]!["workspaceId"]));
        foreach (var module in settings.Select(s => s.Module).Distinct())
        {
            var passed = (string)ArmTemplate.Module(template, module)["properties"]!["parameters"]!["logAnalyticsWorkspaceId"]!["value"]!;
            Assert.Contains("'monitoring'", passed, StringComparison.Ordinal);
            Assert.EndsWith(".outputs.logAnalyticsWorkspaceId.value]", passed, StringComparison.Ordinal);
        }

        // Everything but the Redis cluster (metrics only; its database has the logs) sends all its logs.
        Assert.All(settings.Where(s => !((string)s.Resource["scope"]!).StartsWith("[resourceId('Microsoft.Cache/redisEnterprise',", StringComparison.Ordinal)), s =>
            Assert.Contains(s.Resource["properties"]!["logs"]!.AsArray(), l => (string?)l!["categoryGroup"] == "allLogs" && (bool)l["enabled"]!));
    }

    /// <summary>The value of an expression for a privateOnly parameter of that value: a literal, or <c>[if(parameters('privateOnly'), 'a', 'b')]</c>.</summary>
    private static string WhenPrivateOnly(JsonNode value, bool privateOnly)
    {
        var text = (string)value!;
        var match = IfPrivateOnly().Match(text);
        if (!match.Success)
        {
            Assert.DoesNotContain(PrivateOnly, text, StringComparison.Ordinal);
            return text;
        }

        return privateOnly ? match.Groups["then"].Value : match.Groups["else"].Value;
    }

    private static JsonObject EndpointModule(JsonObject template) =>
        ArmTemplate.OfType(template, "Microsoft.Resources/deployments").Single(d => (string?)d["copy"]?["name"] == "privateEndpoint");

    private static string OutputsOf(JsonObject template) =>
        string.Join('\n', ArmTemplate.OfType(template, "Microsoft.Resources/deployments")
            .Select(d => d["properties"]?["template"]?["outputs"]?.ToJsonString() ?? "")
            .Append(template["outputs"]?.ToJsonString() ?? ""));

    private static async Task<bool> VnetEnabledParameterAsync(string? vnetEnabled)
    {
        var variables = new Dictionary<string, string?>(BicepTemplateTests.RequiredVariables) { ["VNET_ENABLED"] = vnetEnabled };
        var build = await BicepCli.RunAsync(["build-params", "main.bicepparam", "--stdout"], variables);
        Assert.True(build.ExitCode == 0, $"bicep build-params main.bicepparam (VNET_ENABLED={vnetEnabled}) failed:\n{build.Output}");
        var parameters = JsonNode.Parse((string)JsonNode.Parse(build.StandardOutput)!["parametersJson"]!)!["parameters"]!;
        return (bool)parameters["vnetEnabled"]!["value"]!;
    }

    [GeneratedRegex(@"^\[if\(parameters\('privateOnly'\), '(?<then>[A-Za-z]+)', '(?<else>[A-Za-z]+)'\)\]$")]
    private static partial Regex IfPrivateOnly();

    [GeneratedRegex(@"^\[resourceId\('(?<type>[A-Za-z./]+)', ")]
    private static partial Regex ResourceIdScope();
}
