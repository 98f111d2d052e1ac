using System.Text.Json;

namespace QPay.Functions.Tests.Sandbox;

/// <summary>Compares JSON by field names and value types (not values), recursing into objects and first array items.</summary>
internal static class JsonShape
{
    public static JsonElement Fixture(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Resources", "QPay", name);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    /// <summary>Asserts <paramref name="actual"/> has exactly the fields of <paramref name="expected"/>, each of the same JSON type.</summary>
    public static void AssertSame(JsonElement expected, JsonElement actual, string path = "$")
    {
        Assert.True(Kind(expected) == Kind(actual), $"{path}: expected a {Kind(expected)}, got a {Kind(actual)} ({actual.GetRawText()})");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                Assert.True(expectedNames.SequenceEqual(actualNames),
                    $"{path}: fields differ. Missing: [{string.Join(", ", expectedNames.Except(actualNames))}]; extra: [{string.Join(", ", actualNames.Except(expectedNames))}]");
                foreach (var property in expected.EnumerateObject())
                {
                    AssertSame(property.Value, actual.GetProperty(property.Name), $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array when expected.GetArrayLength() > 0 && actual.GetArrayLength() > 0:
                AssertSame(expected[0], actual[0], $"{path}[0]");
                break;
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };
}
