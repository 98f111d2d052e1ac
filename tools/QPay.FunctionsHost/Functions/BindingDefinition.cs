using System.Text.Json.Nodes;

namespace QPay.FunctionsHost.Functions;

/// <summary>One entry of a function's <c>raw_bindings</c>: the binding JSON the worker indexed.</summary>
internal sealed class BindingDefinition(JsonObject raw)
{
    public string Name { get; } = Text(raw, "name") ?? string.Empty;

    public string Type { get; } = Text(raw, "type") ?? string.Empty;

    public bool IsInput => !string.Equals(Text(raw, "direction"), "out", StringComparison.OrdinalIgnoreCase);

    public bool IsTrigger => IsInput && Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase);

    public static BindingDefinition Parse(string json) =>
        new(JsonNode.Parse(json) as JsonObject ?? throw new InvalidOperationException($"A raw binding is not a JSON object: {json}"));

    /// <summary>A property as text, names matched case-insensitively.</summary>
    public string? this[string name] => Text(raw, name);

    /// <summary>A string array property (e.g. an HTTP trigger's <c>methods</c>), or null when absent.</summary>
    public IReadOnlyList<string>? List(string name) =>
        Find(raw, name) is JsonArray array ? array.Select(item => item?.ToString() ?? string.Empty).ToArray() : null;

    /// <summary>A value of the binding's <c>properties</c> object (e.g. <c>supportsDeferredBinding</c>).</summary>
    public string? Property(string name) => Find(raw, "properties") is JsonObject properties ? Text(properties, name) : null;

    public bool Flag(string name) => string.Equals(this[name] ?? Property(name), "true", StringComparison.OrdinalIgnoreCase);

    private static JsonNode? Find(JsonObject node, string name) =>
        node.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static string? Text(JsonObject node, string name) => Find(node, name)?.ToString();
}
