using System.Text.Json;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>
/// The settings of the committed local.settings.sample.json: tests run on exactly what a new
/// user copies, so a broken sample fails here first. Storage and Redis point at <see cref="LocalStack"/>'s
/// (the sample's own unless a run chose a stack of its own).
/// </summary>
internal static class LocalSettings
{
    private static readonly Lazy<IReadOnlyDictionary<string, string?>> Sample = new(Load);

    public static Dictionary<string, string?> Values(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var values = new Dictionary<string, string?>(Sample.Value, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return values;
    }

    /// <summary>The sample's <c>Host.CORS</c> origins, as func start and tools/QPay.FunctionsHost read them.</summary>
    public static IReadOnlyList<string> CorsOrigins()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestPaths.InRepository("local.settings.sample.json")));
        return document.RootElement.GetProperty("Host").TryGetProperty("CORS", out var cors)
            ? cors.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
    }

    private static IReadOnlyDictionary<string, string?> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestPaths.InRepository("local.settings.sample.json")));
        var values = document.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name, p => (string?)p.Value.GetString(), StringComparer.OrdinalIgnoreCase);
        values["AzureWebJobsStorage"] = LocalStack.StorageConnectionString;
        values["REDIS_DATABASE_URI"] = LocalStack.RedisUri;
        return values;
    }
}
