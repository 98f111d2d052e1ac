using System.Text.Json;

namespace QPay.FunctionsHost.DevRunner;

/// <summary>A local.settings.json as <c>func start</c> reads it: <c>Values</c>, <c>Host.LocalHttpPort</c>, <c>Host.CORS</c> and <c>Host.CORSCredentials</c>.</summary>
internal sealed record LocalSettingsFile(IReadOnlyDictionary<string, string?> Values, int? LocalHttpPort, IReadOnlyList<string> CorsOrigins, bool CorsCredentials)
{
    public static LocalSettingsFile Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        var root = document.RootElement;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("Values", out var entries))
        {
            foreach (var entry in entries.EnumerateObject())
            {
                values[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : entry.Value.GetRawText();
            }
        }

        int? port = root.TryGetProperty("Host", out var host) && host.TryGetProperty("LocalHttpPort", out var localPort) && localPort.TryGetInt32(out var number)
            ? number
            : null;
        var cors = host.ValueKind == JsonValueKind.Object && host.TryGetProperty("CORS", out var origins) && origins.ValueKind == JsonValueKind.String
            ? origins.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        var credentials = host.ValueKind == JsonValueKind.Object && host.TryGetProperty("CORSCredentials", out var allow)
            && (allow.ValueKind == JsonValueKind.True || (allow.ValueKind == JsonValueKind.String && bool.TryParse(allow.GetString(), out var on) && on));
        return new LocalSettingsFile(values, port, cors, credentials);
    }
}
