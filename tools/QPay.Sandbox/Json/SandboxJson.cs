using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Sandbox.Json;

/// <summary>Serializer settings: snake_case for QPay's API, camelCase for the sandbox's own control API.</summary>
internal static class SandboxJson
{
    /// <summary>QPay's bodies: snake_case names, nulls written, Cyrillic and '&amp;' unescaped as Express sends them.</summary>
    public static JsonSerializerOptions QPay { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The control API's bodies.</summary>
    public static JsonSerializerOptions Control { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };
}
