using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QPay.FunctionsHost.Hosting;

/// <summary>The parts of the app's host.json this host honours, with the Functions host's defaults.</summary>
internal sealed record HostJson(string RoutePrefix, QueuesOptions Queues)
{
    public static HostJson Load(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return new HostJson("api", new QueuesOptions());
        }

        var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        }) as JsonObject ?? throw new InvalidOperationException($"{path} is not a JSON object.");
        var extensions = Child(root, "extensions");
        var http = Child(extensions, "http");
        var queues = Child(extensions, "queues");
        var defaults = new QueuesOptions();

        return new HostJson(
            String(http, "routePrefix") ?? "api",
            new QueuesOptions
            {
                MaxDequeueCount = Int(queues, "maxDequeueCount") ?? defaults.MaxDequeueCount,
                VisibilityTimeout = Time(queues, "visibilityTimeout") ?? defaults.VisibilityTimeout,
                MaxPollingInterval = Time(queues, "maxPollingInterval") ?? defaults.MaxPollingInterval,
                BatchSize = Int(queues, "batchSize") ?? defaults.BatchSize,
                Base64Encoding = !string.Equals(String(queues, "messageEncoding"), "none", StringComparison.OrdinalIgnoreCase),
            });
    }

    private static JsonObject? Child(JsonObject? node, string name) =>
        node?.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value as JsonObject;

    private static string? String(JsonObject? node, string name) =>
        node?.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.ToString();

    private static int? Int(JsonObject? node, string name) =>
        String(node, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    private static TimeSpan? Time(JsonObject? node, string name) =>
        String(node, name) is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : null;
}

/// <summary>host.json <c>extensions.queues</c>, defaulting as the Storage Queues extension does.</summary>
internal sealed record QueuesOptions
{
    public int MaxDequeueCount { get; init; } = 5;

    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    public int BatchSize { get; init; } = 16;

    public bool Base64Encoding { get; init; } = true;
}
