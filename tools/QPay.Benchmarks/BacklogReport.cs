using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Benchmarks;

/// <summary>One row of the backlog table: the figure as text, its number (for the JSON), the target and a note.</summary>
public sealed record BacklogRow(string Measure, string Result, double? Value, string Unit, string Target, string? Note = null);

/// <summary>Turns a backlog run into its Markdown table (stdout) and JSON document (--output).</summary>
internal static class BacklogReport
{
    public static List<BacklogRow> Rows(BacklogResults r)
    {
        var rows = new List<BacklogRow>();
        var sessions = r.Sessions;
        var paid = sessions.Where(s => s.Paid).ToList();
        var until = r.MeasuredUntil;
        var seeding = r.Seeding;
        var seedSummary = seeding.Samples.Count > 0 ? seeding.Summary() : null;
        var seedSeconds = seeding.BatchWallTime.TotalSeconds;
        rows.Add(new("Backlog seeded through seed-session, both instances, c=32", $"{sessions.Count} sessions in {seedSeconds:0.0} s", sessions.Count, "sessions", string.Empty,
            $"{(seedSeconds > 0 ? sessions.Count / seedSeconds : 0):0} per second; {r.Users} users, at most {BacklogPlan.SessionsPerUser} each; {paid.Count} paid with the callback lost; " +
            (seedSummary is null ? string.Empty : $"seed p50 {Report.Number(seedSummary.P50)} ms, p99 {Report.Number(seedSummary.P99)} ms; ") +
            $"{seeding.Errors} errors" + (r.PayErrors > 0 ? $"; {r.PayErrors} payments refused by the sandbox (those sessions count as unpaid)" : string.Empty)));
        if (sessions.Count == 0)
        {
            return rows;
        }

        var firstDue = sessions.Min(s => s.Due);
        var lastDue = sessions.Max(s => s.Due);
        var checkedOnce = sessions.Where(s => s.Checks.Count > 0).ToList();
        var drained = checkedOnce.Count == sessions.Count;
        var drainedAt = drained ? sessions.Max(s => s.Checks[0]) : until;
        var lateness = checkedOnce.Select(s => (s.Checks[0] - s.Due).TotalMinutes).ToList();
        rows.Add(new("Drain: from the first session due to every session checked once",
            (drained ? string.Empty : "not drained: > ") + Duration(drainedAt - firstDue), (drainedAt - firstDue).TotalMinutes, "min",
            $"≤ {Duration(TimeSpan.FromMinutes(sessions.Count / 1000.0))} at 1,000 checks/min",
            $"checked once: {checkedOnce.Count} of {sessions.Count}; due from {firstDue:HH:mm:ss} to {lastDue:HH:mm:ss} UTC (creation + {Duration(sessions[0].Due - sessions[0].CreatedAt)}); " +
            (lateness.Count > 0 ? $"first check after its due: p50 {Minutes(Percentiles.Of(lateness, 50))}, max {Minutes(lateness.Max())}" : "no check yet")));

        var checks = sessions.SelectMany(s => s.Checks).Order().ToList();
        var peak = PeakPerMinute(checks);
        var drainChecks = checks.Count(t => t >= firstDue && t <= drainedAt);
        var drainMinutes = (drainedAt - firstDue).TotalMinutes;
        rows.Add(new("Checks per minute (payment/check of this run's invoices), peak over a sliding minute", $"{peak:0} /min", peak, "/min", "≥ 1,000 /min",
            $"average over the drain (first due → {(drained ? "drained" : "end")}): {(drainMinutes > 0 ? drainChecks / drainMinutes : 0):0} /min; {checks.Count} checks in all"));

        var processed = paid.Where(s => s.ProcessedAt is not null).ToList();
        var toProcessed = processed.Select(s => (s.ProcessedAt!.Value - s.Due).TotalMinutes).ToList();
        var others = paid.Where(s => s.ProcessedAt is null).GroupBy(s => s.Status ?? "not checked by QPay yet").Select(g => $"{g.Key} {g.Count()}").ToList();
        if (paid.Count > 0)
        {
            var allProcessed = processed.Count == paid.Count;
            var max = allProcessed ? toProcessed.Max() : (until - paid.Min(s => s.Due)).TotalMinutes;
            rows.Add(new("Paid with the callback lost: from due to PROCESSED (status route), max",
                allProcessed ? Minutes(max) : $"not all: > {Minutes(max)}", max, "min", "≤ 10 min",
                $"PROCESSED {processed.Count} of {paid.Count}" + (toProcessed.Count > 0 ? $"; p50 {Minutes(Percentiles.Of(toProcessed, 50))}" : string.Empty) +
                (others.Count > 0 ? $"; the others: {string.Join(", ", others)}" : string.Empty) + "; polled once a second after QPay's first check of the invoice"));
        }

        var offsets = ReconcileSchedule.Offsets(r.Expiry);
        var calls = sessions.Select(s => s.Calls).ToList();
        var maxCalls = calls.Max();
        var ahead = sessions.Where(s => s.Calls > offsets.Count(o => s.CreatedAt + o <= until)).ToList();
        var distribution = calls.GroupBy(c => c).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        var flag = maxCalls > ReconcileSchedule.MaxCalls || ahead.Count > 0 ? " ⚠ over the schedule" : string.Empty;
        rows.Add(new("QPay calls per session (payment/check + invoice cancel), max", $"{maxCalls}{flag}", maxCalls, "calls",
            $"≤ {ReconcileSchedule.MaxCalls} ({ReconcileSchedule.Checks.Length} checks + expiry check + cancel)",
            $"mean {calls.Average():0.00}; sessions per count {string.Join(", ", distribution)}; at this expiry ({r.Expiry.TotalSeconds:0} s) the schedule allows {offsets.Count} in a session's life, " +
            $"{offsets.Count(o => o <= until - sessions.Max(s => s.CreatedAt))} (youngest session) to {offsets.Count(o => o <= until - sessions.Min(s => s.CreatedAt))} (oldest) by the end; " +
            $"ahead of the schedule at the end: {ahead.Count}" + (ahead.Count > 0 ? $" ({ahead.Count(s => s.Paid)} paid; e.g. {ahead[0].InvoiceId})" : string.Empty)));

        rows.Add(new("payment/check of invoices this run did not seed", $"{r.ForeignChecks}", r.ForeignChecks, "calls", "0",
            r.ForeignChecks > 0
                ? $"{r.ForeignInvoices} invoices: entries of the shared pending index left by earlier runs or tests, reconciled by this run's instances against this sandbox (they share the reconciler's capacity)"
                : "the shared pending index held nothing else that was due"));
        rows.Add(new("This run's sessions checked by another reconciler (not at this sandbox)", $"{r.CheckedElsewhere}", r.CheckedElsewhere, "sessions", "0",
            $"a diagnostic from the reconciler's index in the shared Azurite at the end: {r.PendingEntries} rows of this run's sessions left" +
            (r.PendingOutcomes.Count > 0 ? $" (by partition and last outcome: {string.Join(", ", r.PendingOutcomes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}"))})" : string.Empty) +
            (r.CheckedElsewhere > 0 ? "; another worker on this Azurite (e.g. end-to-end tests in another worktree) checked them against its own sandbox, which pushed their next check back: the figures above are not valid" : string.Empty)));
        return rows;
    }

    public static string Markdown(BacklogResults r, IReadOnlyList<BacklogRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| Backlog measure | Result | Target |");
        text.AppendLine("|---|---:|---|");
        foreach (var row in rows)
        {
            var note = row.Note is null ? string.Empty : $" <br><sub>{row.Note}</sub>";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Measure}{note} | {row.Result} | {row.Target} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Stopped: {r.StopReason}. Measured from {r.StartedAt:HH:mm:ss} to {r.MeasuredUntil:HH:mm:ss} UTC; PAYMENT_SESSION_EXPIRY_SEC {r.Expiry.TotalSeconds:0}" +
            $"{(r.Plan.UntilExpiry ? ", watched through the expiry" : string.Empty)}; cap {r.Plan.MaxMinutes:0.#} min.");
        text.AppendLine("Two instances through the repository's Functions host: A runs the queue triggers and fires the timers (the reconciler's timer is a singleton in Azure), B runs the queue triggers.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Due = the session's creation (the seed answer's expiresAt − ttlSec) + {Duration(ReconcileSchedule.Offsets(r.Expiry)[0])}, the reconciler's first scheduled check.");
        if (r.Cleanup.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Clean-up after the measurement (public cancel route): {string.Join(", ", r.Cleanup.Select(p => $"{p.Key} {p.Value}"))}.");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Wall time: {r.WallTime.TotalMinutes:0.0} min on {Environment.ProcessorCount} cores, {r.StartedAt:yyyy-MM-dd HH:mm} UTC.");
        return text.ToString();
    }

    public static string Json(BacklogResults r, IReadOnlyList<BacklogRow> rows) => JsonSerializer.Serialize(new
    {
        scenario = "backlog",
        startedAt = r.StartedAt,
        measuredUntil = r.MeasuredUntil,
        wallTimeSeconds = Math.Round(r.WallTime.TotalSeconds, 1),
        processorCount = Environment.ProcessorCount,
        plan = new { sessions = r.Plan.Sessions, paidPercent = r.Plan.PaidPercent, expirySeconds = r.Expiry.TotalSeconds, untilExpiry = r.Plan.UntilExpiry, maxMinutes = r.Plan.MaxMinutes },
        stopReason = r.StopReason,
        completed = r.Completed,
        rows,
        seeding = new { count = r.Seeding.Samples.Count, errors = r.Seeding.Errors, seconds = Math.Round(r.Seeding.BatchWallTime.TotalSeconds, 1), summary = r.Seeding.Samples.Count > 0 ? r.Seeding.Summary() : null },
        workerStarts = r.WorkerStarts,
        foreign = new { checks = r.ForeignChecks, invoices = r.ForeignInvoices },
        pendingIndex = new { entries = r.PendingEntries, checkedElsewhere = r.CheckedElsewhere, lastOutcomes = r.PendingOutcomes },
        cleanup = r.Cleanup,
        sessions = r.Sessions.Select(s => new
        {
            s.SessionId,
            s.InvoiceId,
            s.Paid,
            s.CreatedAt,
            s.Due,
            checks = s.Checks,
            cancels = s.Cancels,
            s.Status,
            s.ProcessedAt,
        }),
    }, new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    /// <summary>The most items within any 60-second window of the sorted times.</summary>
    public static int PeakPerMinute(IReadOnlyList<DateTimeOffset> sorted)
    {
        var peak = 0;
        for (int first = 0, last = 0; last < sorted.Count; last++)
        {
            while (sorted[last] - sorted[first] >= TimeSpan.FromMinutes(1))
            {
                first++;
            }

            peak = Math.Max(peak, last - first + 1);
        }

        return peak;
    }

    private static string Minutes(double minutes) => Duration(TimeSpan.FromMinutes(minutes));

    public static string Duration(TimeSpan span)
    {
        var negative = span < TimeSpan.Zero;
        var abs = negative ? -span : span;
        var text = abs.TotalMinutes >= 1 ? $"{(int)abs.TotalMinutes} min {abs.Seconds:00} s" : $"{abs.TotalSeconds:0.0} s";
        return negative ? "−" + text : text;
    }
}
