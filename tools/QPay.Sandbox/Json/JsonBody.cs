using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace QPay.Sandbox.Json;

/// <summary>Reads request bodies leniently, the way a JSON body parser in front of a validator would.</summary>
internal static class JsonBody
{
    /// <summary>
    /// The body as a JSON element: <c>Ok</c> with no element for an empty body, not <c>Ok</c> for malformed JSON.
    /// </summary>
    public static async Task<(bool Ok, JsonElement? Root)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return (true, null);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return (true, document.RootElement.Clone());
        }
        catch (JsonException)
        {
            return (false, null);
        }
    }

    public static JsonElement? Property(this JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var value)
        && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? value
            : null;

    /// <summary>A string, or a number or boolean spelled as text; null when absent.</summary>
    public static string? AsText(this JsonElement? element) => element?.ValueKind switch
    {
        JsonValueKind.String => element.Value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.Value.GetRawText(),
        _ => null,
    };

    /// <summary>A JSON number or a numeric string.</summary>
    public static bool TryDecimal(this JsonElement? element, out decimal value)
    {
        value = 0;
        return element?.ValueKind switch
        {
            JsonValueKind.Number => element.Value.TryGetDecimal(out value),
            JsonValueKind.String => decimal.TryParse(element.Value.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    /// <summary>A JSON integer or an integer string.</summary>
    public static bool TryInt(this JsonElement? element, out int value)
    {
        value = 0;
        return element?.ValueKind switch
        {
            JsonValueKind.Number => element.Value.TryGetInt32(out value),
            JsonValueKind.String => int.TryParse(element.Value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    /// <summary>true/false, also as the strings "true"/"false" (Postman sends <c>"false"</c>).</summary>
    public static bool? AsBool(this JsonElement? element) => element?.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(element.Value.GetString(), out var parsed) => parsed,
        _ => null,
    };
}
