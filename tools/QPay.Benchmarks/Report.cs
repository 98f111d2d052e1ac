using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Benchmarks;

/// <summary>One row of the report: the app's figure, its floor's, their ratio (app cost ÷ floor cost) and the target.</summary>
public sealed record ReportRow(string Measure, string Unit, double App, double? Floor, double? Ratio, string Target, string? Note = null);

/// <summary>Turns a run's results into the Markdown table (stdout) and the JSON document (artifacts/benchmark.json).</summary>
internal static class Report
{
    public static List<ReportRow> Rows(BenchResults r)
    {
        var rows = new List<ReportRow>();
        // The targets are issue 21's (docs/performance.md).
        void Latency(string measure, string key, string p50Target, string p99Target = "")
        {
            var app = r[key + ".app"].Summary();
            var floor = r[key + ".floor"].Summary();
            rows.Add(new($"{measure} p50", "ms", app.P50, floor.P50, app.P50 / floor.P50, p50Target));
            rows.Add(new($"{measure} p99", "ms", app.P99, floor.P99, app.P99 / floor.P99, p99Target));
        }

        Latency("Verified webhook, c=1,", "webhook.c1", "≤ 1.5x (aim 1.25x)", "≤ 2.5x");
        Latency("Verified webhook, c=16,", "webhook.c16", string.Empty);
        Latency("Status poll, c=1,", "status.c1", "≤ 3x");
        var statusApp = r["status.c16.app"].PerSecond;
        var statusFloor = r["status.c16.floor"].PerSecond;
        rows.Add(new("Status poll, c=16, throughput", "req/s", statusApp, statusFloor, statusFloor / statusApp, "≤ 3x (a third of the floor's)"));
        Latency("Seed session, c=1,", "seed", string.Empty);
        if (r["live.pay-to-processed"].Samples.Count > 0)
        {
            var payToProcessed = r["live.pay-to-processed"].Summary();
            var publishedToAnswer = r["live.published-to-answer"].Summary();
            rows.Add(new("Live status: sandbox payment → waiting client's PROCESSED, p50", "ms", payToProcessed.P50, null, null, string.Empty,
                "payment, QPay's callback, order creation by the queue trigger, the publish and the answer"));
            rows.Add(new("Live status: sandbox payment → waiting client's PROCESSED, p99", "ms", payToProcessed.P99, null, null, string.Empty));
            rows.Add(new("Live status: orders exist (PROCESSED published) → the waiting client's answer, p50", "ms", publishedToAnswer.P50, null, null, "< 100 ms"));
            rows.Add(new("Live status: orders exist (PROCESSED published) → the waiting client's answer, p99", "ms", publishedToAnswer.P99, null, null, string.Empty));
            rows.Add(new("Live status: status requests per payment (waitSec=20, known = last status)", "requests", r["live.requests"].Samples.Average(), null, null, "≤ 3",
                $"max {r["live.requests"].Samples.Max():0}"));
        }

        if (r.LiveWatchRequests > 0)
        {
            rows.Add(new("Status requests in 60 s of waiting: live (waitSec=25) vs polling every 3 s", "requests", r.LiveWatchRequests, r.PollingWatchRequests, null, "≤ 3 per minute",
                "the floor column is the polling client"));
        }

        var noIo = r["noio.c1.app"].Summary();
        rows.Add(new("Host + worker round trip without I/O (status, no JWT → 401), c=1, p50", "ms", noIo.P50, null, null, string.Empty,
            "the fixed cost of one request through the Functions host and the worker"));
        var perThousand = r.TokenWebhooksSent > 0 ? r.TokenCalls * 1000.0 / r.TokenWebhooksSent : 0;
        rows.Add(new("QPay token calls per 1,000 webhooks, 2 instances", "calls", perThousand, null, null, "1 per fleet per token lifetime",
            $"{r.TokenCalls} token/refresh calls for {r.TokenWebhooksSent} webhooks; {r.TokenRejectionsLogged} token rejections logged"));
        rows.Add(new("QPay payment/check per invoice, 100 concurrent duplicate callbacks", "calls", r.ChecksPerDuplicateBurst.Count > 0 ? r.ChecksPerDuplicateBurst.Average() : 0, null, null, "1",
            $"per invoice: {string.Join(", ", r.ChecksPerDuplicateBurst)}; processed per burst: {string.Join(", ", r.ProcessedPerDuplicateBurst)}"));
        var starts = r.WorkerStarts.Select(s => s.ToFirstRequestMs).ToList();
        rows.Add(new("Worker start: process start → first served request (median of instances)", "ms", Percentiles.Of(starts, 50), null, null, "≤ 700 ms",
            $"each: {string.Join(", ", r.WorkerStarts.Select(s => Number(s.ToFirstRequestMs)))} ms; to host ready: {string.Join(", ", r.WorkerStarts.Select(s => Number(s.ToHostReadyMs)))} ms"));
        rows.Add(new("Worker peak memory (VmHWM), after the latency runs", "MB", r.WorkerPeakKb / 1024.0, null, null, "≤ 150 MB",
            $"resident after each phase: {string.Join(", ", r.WorkerMemory.Select(m => $"{m.After} {Number(m.RssKb / 1024.0)}"))} MB"));
        return rows;
    }

    public static string Markdown(BenchResults r, IReadOnlyList<ReportRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| Measure | App | Floor | Ratio | Target |");
        text.AppendLine("|---|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            var note = row.Note is null ? string.Empty : $" <br><sub>{row.Note}</sub>";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Measure}{note} | {Number(row.App)} {row.Unit} | {(row.Floor is { } f ? $"{Number(f)} {row.Unit}" : "")} | {(row.Ratio is { } x ? $"{x:0.00}x" : "")} | {row.Target} |");
        }

        text.AppendLine();
        var samples = string.Join(", ", r.Series.Where(s => !s.Key.StartsWith("prep", StringComparison.Ordinal))
            .Select(s => $"{s.Key} {s.Value.Samples.Count}" + (s.Value.Errors > 0 ? $" ({s.Value.Errors} errors)" : string.Empty)));
        text.AppendLine(CultureInfo.InvariantCulture, $"Samples: {samples}.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Ratio = app cost ÷ floor cost (for throughput: floor req/s ÷ app req/s). Token webhook outcomes: {string.Join(", ", r.TokenWebhookReasons.Select(p => $"{p.Key} {p.Value}"))}.");
        if (!r.Plan.OrdersOnInstanceA)
        {
            text.AppendLine("Instance A ran without its order-creation trigger (--no-orders-on-a).");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Wall time: {r.WallTime.TotalSeconds:0.0} s on {Environment.ProcessorCount} cores, {r.StartedAt:yyyy-MM-dd HH:mm} UTC.");
        if (r.Cost is not null)
        {
            text.AppendLine().Append(CostReport.Markdown(r.Cost));
        }
        return text.ToString();
    }

    public static string Json(BenchResults r, IReadOnlyList<ReportRow> rows) => JsonSerializer.Serialize(new
    {
        startedAt = r.StartedAt,
        wallTimeSeconds = Math.Round(r.WallTime.TotalSeconds, 1),
        processorCount = Environment.ProcessorCount,
        scale = r.Plan.Scale,
        ordersOnInstanceA = r.Plan.OrdersOnInstanceA,
        rows,
        series = r.Series.ToDictionary(s => s.Key, s => new
        {
            count = s.Value.Samples.Count,
            errors = s.Value.Errors,
            summary = s.Value.Samples.Count > 0 ? s.Value.Summary() : null,
            perSecond = Math.Round(s.Value.PerSecond, 1),
        }),
        workerStarts = r.WorkerStarts,
        workerPeakKb = r.WorkerPeakKb,
        workerRssKb = r.WorkerRssKb,
        workerMemory = r.WorkerMemory,
        tokens = new { calls = r.TokenCalls, webhooks = r.TokenWebhooksSent, outcomes = r.TokenWebhookReasons, rejectionsLogged = r.TokenRejectionsLogged },
        duplicates = new { checksPerInvoice = r.ChecksPerDuplicateBurst, processedPerInvoice = r.ProcessedPerDuplicateBurst },
        liveWatch = new { live = r.LiveWatchRequests, polling = r.PollingWatchRequests },
        cost = r.Cost is null ? null : CostReport.Json(r.Cost),
    }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals });

    public static string Number(double value) =>
        value >= 100 ? value.ToString("0", CultureInfo.InvariantCulture)
        : value >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture)
        : value.ToString("0.00", CultureInfo.InvariantCulture);
}
