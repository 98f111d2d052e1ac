using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace QPay.Functions.Tests.Infra;

/// <summary>Reads a compiled ARM template: its resources, nested module deployments included.</summary>
internal static partial class ArmTemplate
{
    /// <summary>Every resource, depth first, with the name of the module deployment it sits in ("" at the top).</summary>
    public static IEnumerable<(JsonObject Resource, string Module)> Resources(JsonObject template, string module = "")
    {
        // languageVersion 2.0 templates (a module with typed parameters) key resources by symbolic name.
        var nodes = template["resources"] switch
        {
            JsonArray array => array.ToList(),
            JsonObject symbolic => symbolic.Select(pair => pair.Value).ToList(),
            _ => [],
        };
        foreach (var resource in nodes.OfType<JsonObject>())
        {
            yield return (resource, module);
            if (Type(resource) == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Resources(nested, (string)resource["name"]!))
                {
                    yield return inner;
                }
            }
        }
    }

    public static IEnumerable<JsonObject> OfType(JsonObject template, string type) =>
        Resources(template).Select(r => r.Resource).Where(r => string.Equals(Type(r), type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The module deployment resource of that name (its parameters are the values main passes in).</summary>
    public static JsonObject Module(JsonObject template, string name) =>
        OfType(template, "Microsoft.Resources/deployments").Single(d => (string?)d["name"] == name);

    public static string Type(JsonObject resource) => (string)resource["type"]!;

    /// <summary>
    /// The literal last segment of a child resource's name expression, e.g.
    /// <c>[format('{0}/{1}', parameters('name'), 'QPAY-CLIENT-SECRET')]</c> gives QPAY-CLIENT-SECRET.
    /// </summary>
    public static string LiteralChildName(JsonObject resource)
    {
        var name = (string)resource["name"]!;
        var match = LastLiteral().Match(name);
        Assert.True(match.Success, $"The name of {Type(resource)} is not a literal child name: {name}");
        return match.Groups["name"].Value;
    }

    /// <summary>A value as written, or the template variable it names when it is exactly <c>[variables('x')]</c>.</summary>
    public static JsonNode Resolve(JsonObject template, JsonNode value) =>
        value is JsonValue text && text.TryGetValue<string>(out var expression) && VariableReference().Match(expression) is { Success: true } match
            ? template["variables"]![match.Groups["name"].Value]!
            : value;

    [GeneratedRegex(@"'(?<name>[A-Za-z0-9_.-]+)'\)\]$")]
    private static partial Regex LastLiteral();

    [GeneratedRegex(@"^\[variables\('(?<name>[A-Za-z0-9_]+)'\)\]$")]
    private static partial Regex VariableReference();
}
