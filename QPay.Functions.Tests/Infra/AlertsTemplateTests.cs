using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Infra;

/// <summary>
/// infra/modules/alerts.bicep as compiled into main: the action group, the eleven alert rules routed
/// to it, and the workbook. Every metric, tag, tag value and log event name a query uses must be one
/// the app emits (read from PaymentMetrics.cs and the Log*.cs event names), so renaming an instrument
/// or an event without its alert fails here.
/// </summary>
public sealed partial class AlertsTemplateTests
{
    private static readonly string[] ExpectedRules =
    [
        "gateway-error-rate", "verification-timeouts", "webhook-unexpected-errors", "session-missing-spike",
        "payment-check-latency", "payment-check-error-rate", "low-verified-share", "no-traffic",
        "poison-messages", "ledger-unmatched", "reconciler-backlog-growing",
    ];

    private static readonly string[] ExpectedPanels =
    [
        "Webhook outcomes by reason", "payment/check latency (s)", "Reconciler backlog (messages waiting)", "Poison messages",
        "Ledger check: payments by result", "Refunds by status", "E-receipts by status", "Rate limiting by limit",
    ];

    private static readonly string WorkbookPath = Path.Combine(BicepCli.InfraDirectory, "workbooks", "payments.workbook.json");

    [Fact]
    public async Task Alerts_module_has_an_action_group_and_the_eleven_rules_each_routed_to_it()
    {
        var (template, module) = await AlertsTemplateAsync();

        var actionGroup = Assert.Single(ArmTemplate.OfType(template, "Microsoft.Insights/actionGroups"));
        var actionGroupName = (string)actionGroup["name"]!; // [format('ag-qpay-{0}', parameters('resourceToken'))]
        Assert.Contains("ag-qpay-", actionGroupName);
        Assert.Equal("[parameters('workspaceId')]", (string?)Assert.Single(RuleResource(template)["properties"]!["scopes"]!.AsArray()));
        Assert.Contains("monitoring", (string)module["properties"]!["parameters"]!["workspaceId"]!["value"]!);

        var rules = Rules(template);
        Assert.Equal(ExpectedRules, rules.Select(r => (string)r["name"]!));
        // One resource declaration repeated per row of the rules variable: every rule has the same action.
        var ruleResource = RuleResource(template);
        Assert.Equal("[length(variables('rules'))]", (string?)ruleResource["copy"]!["count"]);
        var routedTo = (string)Assert.Single(ruleResource["properties"]!["actions"]!["actionGroups"]!.AsArray())!;
        Assert.Equal($"[resourceId('Microsoft.Insights/actionGroups', {actionGroupName[1..^1]})]", routedTo);
        Assert.All(rules, rule =>
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)rule["description"]));
            Assert.Contains((string)rule["operator"]!, new[] { "GreaterThan", "LessThan" });
            // The rule measures the column `value`: the query's last step must produce it.
            Assert.Matches(@"^\|\s*(summarize|project)\s+value\b", ((string)rule["query"]!).Trim().Split('\n')[^1].Trim());
        });
    }

    [Fact]
    public async Task Every_rule_query_names_only_metrics_tags_and_log_events_the_app_emits()
    {
        var (template, _) = await AlertsTemplateAsync();
        var queries = Rules(template).Select(r => ((string)r["name"]!, (string)r["query"]!)).ToList();

        var used = AssertNamesAreEmitted(queries);

        // The check is not vacuous: the rules the issue asks for name these.
        Assert.Superset(new HashSet<string> { "qpay.webhook.outcomes", "qpay.payment_check.calls", "qpay.payment_check.duration", "qpay.ledger.unmatched", "qpay.reconciler.backlog", "qpay.invoices.failed" }, used.Metrics);
        Assert.Superset(new HashSet<string> { "OrderCreationPoisoned", "RefundMessagePoisoned", "ReconcileMessagePoisoned", "ReceiptMessagePoisoned", "ReceiptPoisoned", "WebhookFailed" }, used.Events);
    }

    [Fact]
    public void A_query_naming_something_the_app_does_not_emit_fails_the_check()
    {
        Assert.ThrowsAny<Exception>(() => AssertNamesAreEmitted([("typo", "AppMetrics | where Name == \"qpay.webhook.outcome\"")]));
        Assert.ThrowsAny<Exception>(() => AssertNamesAreEmitted([("typo", "AppTraces | where tostring(Properties[\"EventName\"]) in (\"OrderPoisoned\")")]));
        Assert.ThrowsAny<Exception>(() => AssertNamesAreEmitted([("typo", "AppMetrics | where tostring(Properties[\"reasons\"]) == \"PROCESSED\"")]));
        Assert.ThrowsAny<Exception>(() => AssertNamesAreEmitted([("typo", "AppMetrics | where tostring(Properties[\"reason\"]) == \"TIMED_OUT\"")]));
        Assert.ThrowsAny<Exception>(() => AssertNamesAreEmitted([("typo", "customMetrics | where name == \"qpay.webhook.outcomes\"")]));
    }

    [Fact]
    public async Task Workbook_is_valid_json_with_the_on_call_panels_and_its_queries_name_only_what_the_app_emits()
    {
        var text = File.ReadAllText(WorkbookPath);
        var workbook = JsonNode.Parse(text)!.AsObject(); // throws on invalid JSON
        Assert.Equal("Notebook/1.0", (string?)workbook["version"]);

        var panels = workbook["items"]!.AsArray().OfType<JsonObject>().Where(i => (int)i["type"]! == 3).Select(i => i["content"]!.AsObject()).ToList();
        Assert.Superset(ExpectedPanels.ToHashSet(), panels.Select(p => (string)p["title"]!).ToHashSet());
        Assert.All(panels, p => Assert.Equal("microsoft.operationalinsights/workspaces", (string?)p["resourceType"]));
        var used = AssertNamesAreEmitted(panels.Select(p => ((string)p["title"]!, (string)p["query"]!)).ToList());
        Assert.Superset(new HashSet<string> { "qpay.webhook.outcomes", "qpay.payment_check.duration", "qpay.reconciler.backlog", "qpay.ledger.payments", "qpay.refunds", "qpay.ebarimt.receipts", "qpay.rate_limited" }, used.Metrics);

        // The template carries the file as written (loadTextContent).
        var (template, _) = await AlertsTemplateAsync();
        var serializedData = (string)Assert.Single(ArmTemplate.OfType(template, "Microsoft.Insights/workbooks"))["properties"]!["serializedData"]!;
        var variable = LoadedVariable().Match(serializedData); // [variables('$fxv#0')]: bicep's name for loaded text
        Assert.True(variable.Success, $"serializedData is not loaded text: {serializedData}");
        var deployed = (string)template["variables"]![variable.Groups["name"].Value]!;
        Assert.True(JsonNode.DeepEquals(workbook, JsonNode.Parse(deployed)), "The workbook in the template differs from infra/workbooks/payments.workbook.json.");
    }

    [Fact]
    public async Task Parameters_file_maps_ALERT_EMAIL_to_alertEmail_and_leaves_it_empty_without_it()
    {
        var variables = new Dictionary<string, string?>(BicepTemplateTests.RequiredVariables) { ["ALERT_EMAIL"] = null };

        Assert.Equal("", await AlertEmailAsync(variables));
        variables["ALERT_EMAIL"] = "oncall@example.com";
        Assert.Equal("oncall@example.com", await AlertEmailAsync(variables));
    }

    private static async Task<string?> AlertEmailAsync(IReadOnlyDictionary<string, string?> variables)
    {
        var build = await BicepCli.RunAsync(["build-params", "main.bicepparam", "--stdout"], variables);
        Assert.True(build.ExitCode == 0, $"bicep build-params main.bicepparam failed:\n{build.Output}");
        var parameters = JsonNode.Parse((string)JsonNode.Parse(build.StandardOutput)!["parametersJson"]!)!["parameters"]!.AsObject();
        return (string?)parameters["alertEmail"]?["value"];
    }

    private static async Task<(JsonObject Template, JsonObject Module)> AlertsTemplateAsync()
    {
        var module = ArmTemplate.Module(await BicepCli.MainTemplateAsync(), "alerts");
        return (module["properties"]!["template"]!.AsObject(), module);
    }

    private static JsonObject RuleResource(JsonObject template) =>
        Assert.Single(ArmTemplate.OfType(template, "Microsoft.Insights/scheduledQueryRules"));

    private static List<JsonObject> Rules(JsonObject template) =>
        template["variables"]!["rules"]!.AsArray().Select(r => r!.AsObject()).ToList();

    private sealed record UsedNames(HashSet<string> Metrics, HashSet<string> Events);

    /// <summary>Fails naming the query and the name when a query uses a table, metric, tag, tag value or log event the app does not emit.</summary>
    private static UsedNames AssertNamesAreEmitted(IReadOnlyList<(string Name, string Query)> queries)
    {
        var used = new UsedNames([], []);
        foreach (var (name, query) in queries)
        {
            var table = query.TrimStart().Split(['\n', ' ', '|'], 2)[0];
            Assert.True(table is "AppMetrics" or "AppTraces", $"{name}: reads table {table}, not AppMetrics or AppTraces");

            foreach (Match metric in MetricLiteral().Matches(query))
            {
                var metricName = metric.Groups["name"].Value;
                Assert.True(App.Instruments.Contains(metricName), $"{name}: metric {metricName} is not an instrument of PaymentMetrics.cs");
                used.Metrics.Add(metricName);
            }

            foreach (Match property in PropertyKey().Matches(query))
            {
                var key = property.Groups["key"].Value;
                Assert.True(key == "EventName" || App.TagKeys.Contains(key), $"{name}: Properties[\"{key}\"] is neither EventName nor a tag of PaymentMetrics.cs");
            }

            foreach (Match comparison in TagComparison().Matches(query))
            {
                var value = comparison.Groups["value"].Value;
                Assert.True(App.StringLiterals.Contains(value), $"{name}: tag value \"{value}\" is no string literal of QPay.Functions");
            }

            foreach (Match events in EventNameFilter().Matches(query))
            {
                foreach (Match literal in QuotedLiteral().Matches(events.Groups["values"].Value))
                {
                    var eventName = literal.Groups["value"].Value;
                    Assert.True(App.EventNames.Contains(eventName), $"{name}: log event {eventName} is no EventName in QPay.Functions Log*.cs");
                    used.Events.Add(eventName);
                }
            }
        }

        return used;
    }

    /// <summary>What the app emits, read from its source.</summary>
    private static class App
    {
        private static readonly string Source = TestPaths.InRepository("QPay.Functions");
        private static readonly string Metrics = File.ReadAllText(Path.Combine(Source, "Telemetry", "PaymentMetrics.cs"));

        public static HashSet<string> Instruments { get; } = Names(InstrumentDefinition().Matches(Metrics));

        public static HashSet<string> TagKeys { get; } = Names(TagDefinition().Matches(Metrics));

        public static HashSet<string> EventNames { get; } = Names(Directory.GetFiles(Source, "Log*.cs", SearchOption.AllDirectories)
            .SelectMany(f => EventNameDefinition().Matches(File.ReadAllText(f))));

        public static HashSet<string> StringLiterals { get; } = Names(Directory.GetFiles(Source, "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => QuotedLiteral().Matches(File.ReadAllText(f))));

        private static HashSet<string> Names(IEnumerable<Match> matches)
        {
            var names = matches.Select(m => m.Groups.Cast<Group>().Last().Value).ToHashSet(StringComparer.Ordinal);
            Assert.NotEmpty(names);
            return names;
        }
    }

    [GeneratedRegex(@"\.Create(?:Counter|Histogram|Gauge|UpDownCounter)<\w+>\(""(?<name>qpay\.[a-z_.]+)""")]
    private static partial Regex InstrumentDefinition();

    [GeneratedRegex(@"(?:\{ ""|KeyValuePair<string, object\?>\("")(?<name>\w+)""")]
    private static partial Regex TagDefinition();

    [GeneratedRegex(@"EventName = ""(?<name>\w+)""")]
    private static partial Regex EventNameDefinition();

    [GeneratedRegex(@"""(?<name>qpay\.[A-Za-z0-9_.]+)""")]
    private static partial Regex MetricLiteral();

    [GeneratedRegex(@"Properties\[""(?<key>[^""]*)""\]")]
    private static partial Regex PropertyKey();

    [GeneratedRegex(@"Properties\[""(?!EventName"")[^""]*""\]\)\s*==\s*""(?<value>[^""]*)""")]
    private static partial Regex TagComparison();

    [GeneratedRegex(@"Properties\[""EventName""\]\)\s*(?:==|in)\s*(?<values>\([^)]*\)|""[^""]*"")")]
    private static partial Regex EventNameFilter();

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)\]$")]
    private static partial Regex LoadedVariable();

    [GeneratedRegex(@"""(?<value>[^""\\\r\n]*)""")]
    private static partial Regex QuotedLiteral();
}
