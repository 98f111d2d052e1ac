using System.Text.Json;

namespace QPay.Functions.QPayApi;

/// <summary>
/// Reads QPay's error bodies: <c>{"error":"CODE","message":"text"}</c>, the nested validation
/// form <c>{"error":{"field":{"type":"MIN_NUMBER","message":"…"}},"message":{…}}</c>, a body
/// with only a <c>message</c> (<c>{"message":"TypeError"}</c>), or no JSON at all.
/// </summary>
internal readonly record struct QPayErrorBody(string? Code, string? Field, string? Message)
{
    public static QPayErrorBody Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return default;
            }

            var root = document.RootElement;
            var (code, field, detail) = ReadError(root);
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            code ??= message is not null && IsCodeLike(message) ? message : null;
            return new QPayErrorBody(code, field, detail ?? message);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static (string? Code, string? Field, string? Message) ReadError(JsonElement root)
    {
        if (!root.TryGetProperty("error", out var error))
        {
            return default;
        }

        if (error.ValueKind == JsonValueKind.String)
        {
            return (error.GetString(), null, null);
        }

        if (error.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in error.EnumerateObject())
            {
                var isObject = field.Value.ValueKind == JsonValueKind.Object;
                var type = isObject && field.Value.TryGetProperty("type", out var t) ? t.GetString() : null;
                var message = isObject && field.Value.TryGetProperty("message", out var m) ? m.GetString() : null;
                return (type ?? "INVALID", field.Name, message);
            }
        }

        return default;
    }

    private static bool IsCodeLike(string text) =>
        text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
