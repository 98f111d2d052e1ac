using System.Globalization;
using System.Text;
using System.Text.Json;

namespace QPay.Benchmarks;

/// <summary>
/// The start phase alone (<c>--start-only [N]</c>): N workers started one after another through the
/// Functions host, each timed from its process's start to the host being ready and to its first 200
/// on /health, then stopped. Quicker than a latency run for measuring one start-up change.
/// </summary>
internal static class StartOnly
{
    public const int DefaultStarts = 7;

    public static async Task<IReadOnlyList<(WorkerStart Start, long RssKb)>> RunAsync(int starts)
    {
        await using var stack = await BenchStack.StartAsync();
        var results = new List<(WorkerStart, long)>();
        for (var i = 0; i < starts; i++)
        {
            var (host, start) = await stack.StartInstanceAsync();
            var (_, rssKb) = Benchmark.Memory(start.ProcessId);
            results.Add((start, rssKb));
            Console.Error.WriteLine($"start {i + 1}: {start.ToFirstRequestMs:0} ms to the first 200 ({start.ToHostReadyMs:0} ms to host ready), {rssKb / 1024} MB resident");
            await stack.StopInstanceAsync(host);
        }

        return results;
    }

    public static string Markdown(IReadOnlyList<(WorkerStart Start, long RssKb)> results)
    {
        // The benchmark's p50 (nearest rank): for an even number of starts, the lower middle one.
        static string Median(IEnumerable<double> values) => Percentiles.Of(values.ToList(), 50).ToString("0", CultureInfo.InvariantCulture);

        var text = new StringBuilder();
        text.AppendLine("| Worker start (median of " + results.Count + ") | ms |");
        text.AppendLine("|---|---:|");
        text.AppendLine($"| Process start → host ready | {Median(results.Select(r => r.Start.ToHostReadyMs))} |");
        text.AppendLine($"| Process start → first served request (/health) | {Median(results.Select(r => r.Start.ToFirstRequestMs))} |");
        text.AppendLine($"| Resident after the first request (MB) | {Median(results.Select(r => r.RssKb / 1024.0))} |");
        return text.ToString();
    }

    public static string Json(IReadOnlyList<(WorkerStart Start, long RssKb)> results) =>
        JsonSerializer.Serialize(
            results.Select(r => new { r.Start.ToHostReadyMs, r.Start.ToFirstRequestMs, ResidentKb = r.RssKb }),
            new JsonSerializerOptions { WriteIndented = true });
}
