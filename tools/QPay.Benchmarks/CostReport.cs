using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Benchmarks;

/// <summary>The cost phase's Markdown table and JSON: every count per 1,000 payments, each priced line's USD, the total.</summary>
internal static class CostReport
{
    public static string Markdown(CostResults r)
    {
        var lines = CostCalculator.PerThousand(r.Counts, r.Prices);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"What 1,000 payments cost ({r.Payments} measured, {r.Failed} failed; seed → status wait (up to {Cost.WaitSec} s, waitSec ≤ 25 a request) → payment and callback → orders → PROCESSED):");
        text.AppendLine();
        text.AppendLine("| Per 1,000 payments | Count | Price | USD |");
        text.AppendLine("|---|---:|---|---:|");
        foreach (var line in lines)
        {
            var count = line.Item == "Total" ? string.Empty : $"{Report.Number(line.PerThousand)} {line.Unit}";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {line.Item} | {count} | {line.Price} | {Usd(line.UsdPerThousand)} |");
        }

        text.AppendLine();
        double Per1000(double count) => count * 1000.0 / r.Payments;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Executions per 1,000 payments: {string.Join(", ", r.Executions.OrderByDescending(e => e.Value.Count).Select(e => $"{e.Key} {Report.Number(Per1000(e.Value.Count))} ({Report.Number(Per1000(e.Value.Seconds))} s)"))}; " +
            $"active time {Report.Number(Per1000(r.ActiveSeconds))} s (overlaps merged), invocation time summed {Report.Number(Per1000(r.Executions.Values.Sum(e => e.Seconds)))} s.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"App storage requests per 1,000 by tag: {string.Join(", ", r.AppByTags.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {Report.Number(Per1000(p.Value))}"))}.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Host: {r.Host.Queue} queue requests in the window, {r.Host.EmptyPolls} of them empty polls ({r.WindowSeconds:0.0} s, this host polls each trigger queue every 0.5 s when idle; left out of the per-payment figure).");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Redis commands per 1,000 (a private redis-server; commands inside scripts counted too): {string.Join(", ", r.RedisByCommand.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {Report.Number(Per1000(p.Value))}"))}.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"QPay calls per 1,000: {string.Join(", ", r.QPayByEndpoint.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {Report.Number(Per1000(p.Value))}"))}. " +
            $"Status requests per payment: {(double)r.StatusRequests / Math.Max(1, r.Payments - r.Failed):0.00}. Worker peak memory {r.WorkerPeakKb / 1024.0:0} MB " +
            $"(smallest Flex instance that holds it: {CostCalculator.SmallestInstanceMb(r.WorkerPeakKb / 1024.0)} MB; priced at {r.Prices.InstanceMemoryMb} MB, the deployment's).");
        return text.ToString();
    }

    public static object Json(CostResults r) => new
    {
        payments = r.Payments,
        failed = r.Failed,
        windowSeconds = Math.Round(r.WindowSeconds, 1),
        prices = r.Prices,
        perThousand = CostCalculator.PerThousand(r.Counts, r.Prices),
        totals = new
        {
            tableApp = r.TableApp,
            queueApp = r.QueueApp,
            appByTags = r.AppByTags,
            hostQueue = r.Host.Queue,
            hostEmptyPolls = r.Host.EmptyPolls,
            redisCommands = r.RedisCommands,
            redisByCommand = r.RedisByCommand,
            qpayByEndpoint = r.QPayByEndpoint,
            executions = r.Executions.ToDictionary(e => e.Key, e => new { count = e.Value.Count, seconds = Math.Round(e.Value.Seconds, 3) }),
            activeSeconds = Math.Round(r.ActiveSeconds, 3),
            statusRequests = r.StatusRequests,
            workerPeakKb = r.WorkerPeakKb,
        },
    };

    /// <summary>The JSON document of a cost-only run.</summary>
    public static string Document(CostResults r) => JsonSerializer.Serialize(
        new { startedAt = DateTimeOffset.UtcNow, processorCount = Environment.ProcessorCount, cost = Json(r) },
        new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals });

    private static string Usd(decimal value) => value == 0 ? "–" : "$" + value.ToString(value >= 0.01m ? "0.0000" : "0.000000", CultureInfo.InvariantCulture);
}
