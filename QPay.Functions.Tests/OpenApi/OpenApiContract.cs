using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using QPay.Functions.OpenApi;

namespace QPay.Functions.Tests.OpenApi;

/// <summary>
/// The served OpenAPI document as the tests read it, and the check of a real answer against the
/// schema it documents for that path, method and status. OpenAPI 3.1 schemas are JSON Schema
/// 2020-12, so JsonSchema.Net evaluates them as they are: the document's component schemas go in
/// <c>$defs</c> (references rewritten to point there) beside the answer's schema.
/// </summary>
internal static class OpenApiContract
{
    private const string ComponentsPrefix = "#/components/schemas/";

    private static readonly Lazy<JsonObject> Parsed = new(() => JsonNode.Parse(OpenApiDocumentFile.Instance.Content)!.AsObject());

    public static JsonObject Document => Parsed.Value;

    public static string Text => System.Text.Encoding.UTF8.GetString(OpenApiDocumentFile.Instance.Content);

    /// <summary>The documented (path, method) pairs, methods lowercase.</summary>
    public static IEnumerable<(string Path, string Method)> Operations() =>
        Document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(item => item.Key is "get" or "put" or "post" or "delete" or "patch" or "head" or "options")
            .Select(item => (path.Key, item.Key)));

    /// <summary>Fails naming path, method, status and the validation errors unless <paramref name="body"/> is what the document answers.</summary>
    public static void AssertAnswer(string path, string method, int status, JsonElement body, string mediaType = "application/json")
    {
        var schema = SchemaOf(path, method, status, mediaType);
        var results = schema.Evaluate(body, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!results.IsValid)
        {
            var errors = (results.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key} {e.Value}"))
                .DefaultIfEmpty(JsonSerializer.Serialize(results));
            Assert.Fail($"{method.ToUpperInvariant()} {path} {status}: the answer does not match the document's schema: {string.Join("; ", errors)}\nanswer: {body.GetRawText()}");
        }
    }

    /// <summary>The answer schema of one path, method and status, compiled with every component schema beside it.</summary>
    public static JsonSchema SchemaOf(string path, string method, int status, string mediaType = "application/json")
    {
        var operation = Document["paths"]?[path]?[method]
            ?? throw new Xunit.Sdk.XunitException($"{method.ToUpperInvariant()} {path} is not in the document.");
        var response = Resolve(operation["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            ?? throw new Xunit.Sdk.XunitException($"{method.ToUpperInvariant()} {path} documents no {status} answer."));
        var schema = response["content"]?[mediaType]?["schema"]
            ?? throw new Xunit.Sdk.XunitException($"{method.ToUpperInvariant()} {path} {status} documents no {mediaType} body.");

        var root = Rewrite(schema.DeepClone()) as JsonObject ?? throw new InvalidOperationException("A response schema must be an object.");
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = Rewrite(Document["components"]!["schemas"]!.DeepClone());
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        using var json = JsonDocument.Parse(root.ToJsonString());
        return JsonSchema.Build(json.RootElement.Clone(), options, new Uri($"https://qpay.test/openapi/{Guid.NewGuid():N}"));
    }

    private static JsonNode Resolve(JsonNode node)
    {
        while (node["$ref"]?.GetValue<string>() is { } reference)
        {
            var parts = reference.TrimStart('#', '/').Split('/');
            node = parts.Aggregate<string, JsonNode?>(Document, (current, part) => current?[part.Replace("~1", "/").Replace("~0", "~")])
                ?? throw new Xunit.Sdk.XunitException($"{reference} does not resolve.");
        }

        return node;
    }

    private static JsonNode? Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    if (key == "$ref" && value?.GetValue<string>() is { } reference && reference.StartsWith(ComponentsPrefix, StringComparison.Ordinal))
                    {
                        o[key] = "#/$defs/" + reference[ComponentsPrefix.Length..];
                    }
                    else
                    {
                        Rewrite(value);
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Rewrite(item);
                }

                break;
        }

        return node;
    }
}
