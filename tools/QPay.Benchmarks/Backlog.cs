using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Azure;
using Azure.Data.Tables;
using QPay.Sandbox.Api;

namespace QPay.Benchmarks;

/// <summary>The backlog scenario's knobs (<c>--backlog N</c>, <c>--paid-percent</c>, <c>--expiry-sec</c>, <c>--until-expiry</c>, <c>--max-minutes</c>).</summary>
internal sealed record BacklogPlan(int Sessions, double PaidPercent = 1, int? ExpirySeconds = null, bool UntilExpiry = false, double MaxMinutes = 40)
{
    public const int DefaultSessions = 10_000;

    /// <summary>At most this many sessions per user: MAX_OPEN_SESSIONS_PER_USER's default, so the scenario holds under any cap.</summary>
    public const int SessionsPerUser = 5;

    public const int SeedConcurrency = 32;
    public const int CleanupConcurrency = 16;

    /// <summary>Stop when QPay has seen no call for this run's sessions this long while one of them is due.</summary>
    public static readonly TimeSpan Stall = TimeSpan.FromMinutes(6);

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(30);

    /// <summary>The whole run (seeding, watching) stops after this; the clean-up comes after it.</summary>
    public TimeSpan Cap => TimeSpan.FromMinutes(MaxMinutes);

    /// <summary>1% of 10,000 is 100; a small run pays at least one when the percentage is above 0.</summary>
    public int PaidCount => PaidPercent <= 0 ? 0 : Math.Clamp((int)Math.Round(Sessions * PaidPercent / 100, MidpointRounding.AwayFromZero), 1, Sessions);
}

/// <summary>
/// The reconciler's schedule as the benchmark expects it, counted from a session's creation: a copy of the
/// default of <c>PaymentOptions.ReconcileSchedule</c> (QPay.Functions/Payments/PaymentOptions.cs), kept
/// here because the benchmark measures the worker from outside; change both together.
/// </summary>
internal static class ReconcileSchedule
{
    public static readonly TimeSpan[] Checks = [TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)];

    /// <summary>Every scheduled check, then at the expiry one last check and the invoice's cancel: 6.</summary>
    public static int MaxCalls => Checks.Length + 2;

    /// <summary>
    /// The earliest time (from creation) of each QPay call the schedule allows a never-paid session whose
    /// life is <paramref name="expiry"/>: the checks scheduled before its expiry, then the expiry's check and cancel.
    /// With the default 1800 s: 3 min, 10 min, 30 min, 30 min (the 30-min check is the expiry's).
    /// </summary>
    public static IReadOnlyList<TimeSpan> Offsets(TimeSpan expiry) => [.. Checks.Where(c => c < expiry), expiry, expiry];
}

/// <summary>One seeded session of the backlog and what QPay (the sandbox) and the status route showed of it.</summary>
internal sealed class BacklogSession(Seeded seeded, bool paid, DateTimeOffset createdAt, Uri instance, string jwt, TimeSpan firstDue)
{
    private static readonly string[] Terminal = ["PROCESSED", "EXPIRED", "CANCELLED", "FAILED", "REFUND_PENDING", "REFUNDED"];

    public string SessionId => seeded.SessionId;
    public string InvoiceId => seeded.InvoiceId;
    public bool Paid => paid;
    public DateTimeOffset CreatedAt => createdAt;
    public DateTimeOffset Due => createdAt + firstDue;
    public Uri Instance => instance;
    public string Jwt => jwt;

    /// <summary>When each <c>payment/check</c> naming its invoice reached the sandbox.</summary>
    public IReadOnlyList<DateTimeOffset> Checks { get; set; } = [];

    /// <summary>When each invoice cancel reached the sandbox.</summary>
    public IReadOnlyList<DateTimeOffset> Cancels { get; set; } = [];

    public int Calls => Checks.Count + Cancels.Count;

    /// <summary>The last status the status route answered (paid sessions, once QPay was asked about them).</summary>
    public string? Status { get; set; }

    public DateTimeOffset? ProcessedAt { get; set; }
    public int StatusErrors { get; set; }
    public bool IsFinished => Status is not null && Terminal.Contains(Status, StringComparer.Ordinal);
}

/// <summary>What one backlog run measured.</summary>
internal sealed class BacklogResults
{
    public required BacklogPlan Plan { get; init; }
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public TimeSpan Expiry { get; set; }
    public List<BacklogSession> Sessions { get; } = [];
    public int Users { get; set; }
    public int PayErrors { get; set; }
    public Series Seeding { get; } = new();
    public List<WorkerStart> WorkerStarts { get; } = [];
    public DateTimeOffset MeasuredUntil { get; set; }
    public string StopReason { get; set; } = "not started";
    public bool Completed { get; set; }
    public int ForeignChecks { get; set; }
    public int ForeignInvoices { get; set; }

    /// <summary>This run's entries still in the pending index at the end, and those whose checks did not all reach this sandbox.</summary>
    public int PendingEntries { get; set; }
    public int CheckedElsewhere { get; set; }
    public Dictionary<string, int> PendingOutcomes { get; } = [];
    public Dictionary<string, int> Cleanup { get; } = [];
    public TimeSpan WallTime { get; set; }
}

/// <summary>
/// The backlog scenario (issue 17, point 5): N PENDING sessions seeded fast through two worker instances
/// (A fires the timers, as the one instance holding Azure's timer singleton would; both run the queue
/// triggers), a share of them paid at the sandbox with the callback lost; then watched from outside
/// (the sandbox's per-invoice call times, the status route) until every session was checked once and every
/// paid one is PROCESSED (with <c>--until-expiry</c>: until every unpaid invoice was cancelled), a stall, or the cap.
/// </summary>
internal static class Backlog
{
    public static async Task<BacklogResults> RunAsync(BacklogPlan plan, string? logFile = null)
    {
        var wall = Stopwatch.StartNew();
        var results = new BacklogResults { Plan = plan };
        var deadline = results.StartedAt + plan.Cap;
        var runId = Guid.NewGuid().ToString("N")[..8];
        var overrides = plan.ExpirySeconds is { } expirySeconds
            ? new Dictionary<string, string> { ["PAYMENT_SESSION_EXPIRY_SEC"] = expirySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : null;

        await using var stack = await BenchStack.StartAsync(overrides);
        results.Expiry = TimeSpan.FromSeconds(int.Parse(stack.Settings["PAYMENT_SESSION_EXPIRY_SEC"] ?? "1800", System.Globalization.CultureInfo.InvariantCulture));
        var offsets = ReconcileSchedule.Offsets(results.Expiry);

        Step(wall, "starting instance A (queue triggers and timers) and instance B (queue triggers)");
        var (a, startA) = await stack.StartInstanceAsync(orderTrigger: true, timers: true);
        results.WorkerStarts.Add(startA);
        var (b, startB) = await stack.StartInstanceAsync(orderTrigger: true, timers: false);
        results.WorkerStarts.Add(startB);
        FunctionsHost.FunctionsHost[] fleet = [a, b];
        try
        {
            await stack.LoadDemoCatalogAsync(a.BaseAddress);
            await SeedAsync(stack, plan, runId, fleet, offsets[0], results, wall);
            if (results.Sessions.Count > 0)
            {
                await WatchAsync(stack, plan, offsets, deadline, results, wall);
            }
            else
            {
                results.StopReason = "no session could be seeded";
            }
        }
        finally
        {
            await CleanUpAsync(stack, results, wall);
            if (logFile is not null)
            {
                await File.WriteAllLinesAsync(logFile, a.Logs.Select(l => "[A] " + l).Concat(b.Logs.Select(l => "[B] " + l)));
            }
        }

        results.WallTime = wall.Elapsed;
        Step(wall, "stopping");
        return results;
    }

    /// <summary>Seeds N sessions (at most 5 per user) over both instances, 32 in flight; pays the chosen ones at once, without the callback.</summary>
    private static async Task SeedAsync(BenchStack stack, BacklogPlan plan, string runId, FunctionsHost.FunctionsHost[] fleet, TimeSpan firstDue, BacklogResults results, Stopwatch wall)
    {
        var paidCount = plan.PaidCount;
        // Spread evenly over the seeding, so the paid ones land on both instances and throughout the backlog.
        var paidIndices = Enumerable.Range(0, paidCount).Select(k => (int)((k + 0.5) * plan.Sessions / paidCount)).ToHashSet();
        results.Users = (plan.Sessions + BacklogPlan.SessionsPerUser - 1) / BacklogPlan.SessionsPerUser;
        Step(wall, $"seeding {plan.Sessions} sessions for {results.Users} users over both instances ({BacklogPlan.SeedConcurrency} in flight); {paidCount} paid at the sandbox with the callback lost");
        var jwts = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var seeded = new BacklogSession?[plan.Sessions];
        var done = 0;
        var payErrors = 0;
        using var progress = new CancellationTokenSource();
        var printer = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(15), progress.Token);
                    Step(wall, $"  seeded {Volatile.Read(ref done)}/{plan.Sessions}");
                }
            }
            catch (OperationCanceledException) when (progress.IsCancellationRequested)
            {
                // Seeding is over.
            }
        });

        await Runner.RunAsync(Enumerable.Range(0, plan.Sessions).ToList(), BacklogPlan.SeedConcurrency, async i =>
        {
            var user = $"bench-{runId}-b{i / BacklogPlan.SessionsPerUser}";
            var jwt = jwts.GetOrAdd(user, stack.Jwt);
            var app = fleet[i % fleet.Length].BaseAddress;
            var sent = DateTimeOffset.UtcNow;
            var session = await stack.SeedAsync(app, user, jwt);
            var paid = paidIndices.Contains(i);
            if (paid)
            {
                try
                {
                    await stack.PayAsync(session); // {callback: false}: paid at QPay, the callback never reaches the app
                }
                catch (HttpRequestException exception)
                {
                    paid = false; // kept as an unpaid one, so that it is still watched and cleaned up
                    Interlocked.Increment(ref payErrors);
                    Console.Error.WriteLine($"  error: paying {session.InvoiceId} at the sandbox: {exception.Message}");
                }
            }

            seeded[i] = new BacklogSession(session, paid, session.CreatedAt ?? sent, app, jwt, firstDue);
            Interlocked.Increment(ref done);
        }, results.Seeding);
        await progress.CancelAsync();
        await printer;
        results.Sessions.AddRange(seeded.OfType<BacklogSession>());
        results.PayErrors = payErrors;
        Step(wall, $"seeded {results.Sessions.Count} sessions in {results.Seeding.BatchWallTime.TotalSeconds:0.0} s ({results.Seeding.Errors} errors); the first is due at {results.Sessions.Min(s => s.Due):HH:mm:ss} UTC");
    }

    /// <summary>Watches the sandbox and the paid sessions' status once a second until done, stalled or out of time.</summary>
    private static async Task WatchAsync(BenchStack stack, BacklogPlan plan, IReadOnlyList<TimeSpan> offsets, DateTimeOffset deadline, BacklogResults results, Stopwatch wall)
    {
        var sessions = results.Sessions;
        var firstDue = sessions.Min(s => s.Due);
        var nextProgress = DateTimeOffset.UtcNow;
        Step(wall, plan.UntilExpiry
            ? "watching until every session was checked, every paid one is PROCESSED and every unpaid invoice is cancelled"
            : "watching until every session was checked once and every paid one is PROCESSED");
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            Observe(stack, results);
            await PollPaidAsync(stack, sessions);
            results.MeasuredUntil = now;

            var drained = sessions.All(s => s.Checks.Count > 0);
            var paidDone = sessions.Where(s => s.Paid).All(s => s.IsFinished);
            var cancelled = sessions.Where(s => !s.Paid).All(s => s.Cancels.Count > 0);
            if (drained && paidDone && (!plan.UntilExpiry || cancelled))
            {
                results.Completed = true;
                results.StopReason = plan.UntilExpiry
                    ? "complete: every session checked, every paid one finished, every unpaid invoice cancelled"
                    : "complete: every session checked once, every paid one finished";
                break;
            }

            // Stalled: something is due (by the schedule) and QPay has seen nothing of this run for a while.
            var lastCall = sessions.SelectMany(s => s.Checks.Concat(s.Cancels)).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
            var outstanding = sessions
                .Where(s => !(s.Paid && s.IsFinished) && s.Calls < offsets.Count && s.CreatedAt + offsets[s.Calls] <= now)
                .Select(s => s.CreatedAt + offsets[s.Calls])
                .DefaultIfEmpty(DateTimeOffset.MaxValue)
                .Min();
            if (outstanding != DateTimeOffset.MaxValue)
            {
                var since = lastCall > outstanding ? lastCall : outstanding;
                if (now - since > BacklogPlan.Stall)
                {
                    results.StopReason = $"stalled: sessions are due and QPay saw no call for this run's invoices for {BacklogPlan.Stall.TotalMinutes:0} minutes (see the last row: did another reconciler take them?)";
                    break;
                }
            }

            if (now > deadline)
            {
                results.StopReason = $"hard cap: the run reached {plan.MaxMinutes:0.#} minutes";
                break;
            }

            if (now >= nextProgress)
            {
                nextProgress = now + BacklogPlan.ProgressInterval;
                var checks = sessions.SelectMany(s => s.Checks).ToList();
                Step(wall,
                    $"  checked once {sessions.Count(s => s.Checks.Count > 0)}/{sessions.Count}, checks {checks.Count} (last minute {checks.Count(t => t > now.AddMinutes(-1))}), " +
                    $"cancels {sessions.Sum(s => s.Cancels.Count)}, paid PROCESSED {sessions.Count(s => s.Paid && s.ProcessedAt is not null)}/{sessions.Count(s => s.Paid)}, " +
                    (now < firstDue ? $"first due in {(firstDue - now).TotalSeconds:0} s" : $"{(now - firstDue).TotalMinutes:0.0} min since the first due"));
            }

            await Task.Delay(BacklogPlan.PollInterval);
        }

        Observe(stack, results);
        Step(wall, results.StopReason);
        await ProbePendingIndexAsync(results, wall);
    }

    /// <summary>
    /// A diagnostic, not a measure (it reads the worker's storage, the one place the benchmark does): the
    /// reconciler's index rows of this run's sessions, whatever the index's layout (any PaymentSessions row
    /// keyed by a session id of this run with a <c>Failures</c> count: the former <c>pending-index</c>
    /// partition, the rewritten index's home rows). A row counting more checks (answered or failed) than this
    /// sandbox saw for its invoice was checked by another reconciler on this Azurite (an end-to-end test run
    /// in another worktree, say; the rewritten one also moves the former index's rows into its own) against its
    /// own sandbox, which knows no such invoice: its next check moved back by the failure backoff, so the figures are off.
    /// </summary>
    private static async Task ProbePendingIndexAsync(BacklogResults results, Stopwatch wall)
    {
        var ours = results.Sessions.ToDictionary(s => s.SessionId, StringComparer.Ordinal);
        try
        {
            var table = new TableClient("UseDevelopmentStorage=true", "PaymentSessions");
            await foreach (var entity in table.QueryAsync<TableEntity>("Failures ge 0", select: ["PartitionKey", "RowKey", "Checks", "Failures", "LastOutcome"]))
            {
                if (!ours.TryGetValue(entity.RowKey, out var session))
                {
                    continue;
                }

                results.PendingEntries++;
                var outcome = $"{entity.PartitionKey}: {entity.GetString("LastOutcome") ?? "not checked"}";
                results.PendingOutcomes[outcome] = results.PendingOutcomes.GetValueOrDefault(outcome) + 1;
                if ((entity.GetInt32("Checks") ?? 0) + (entity.GetInt32("Failures") ?? 0) > session.Checks.Count)
                {
                    results.CheckedElsewhere++;
                }
            }
        }
        catch (RequestFailedException exception)
        {
            Step(wall, $"the pending index could not be read ({exception.Status}): no diagnostic");
            return;
        }

        if (results.CheckedElsewhere > 0)
        {
            Step(wall, $"WARNING: {results.CheckedElsewhere} of this run's sessions were checked by another reconciler on this Azurite (not at this sandbox)");
        }
    }

    /// <summary>Copies the sandbox's per-invoice call times into the sessions; counts checks of invoices this run did not seed.</summary>
    private static void Observe(BenchStack stack, BacklogResults results)
    {
        var calls = stack.Sandbox.InvoiceCalls;
        var ours = new HashSet<string>(StringComparer.Ordinal);
        foreach (var session in results.Sessions)
        {
            ours.Add(session.InvoiceId);
            if (calls.TryGetValue(session.InvoiceId, out var byEndpoint))
            {
                session.Checks = byEndpoint.GetValueOrDefault(EndpointKeys.PaymentCheck) ?? [];
                session.Cancels = byEndpoint.GetValueOrDefault(EndpointKeys.InvoiceCancel) ?? [];
            }
        }

        var foreign = calls.Where(c => !ours.Contains(c.Key) && c.Value.ContainsKey(EndpointKeys.PaymentCheck)).ToList();
        results.ForeignInvoices = foreign.Count;
        results.ForeignChecks = foreign.Sum(c => c.Value[EndpointKeys.PaymentCheck].Count);
    }

    /// <summary>The paid sessions QPay was asked about and that have not finished: their status, through the instance that seeded them.</summary>
    private static Task PollPaidAsync(BenchStack stack, IEnumerable<BacklogSession> sessions) =>
        Task.WhenAll(sessions.Where(s => s.Paid && s.Checks.Count > 0 && !s.IsFinished).Select(async s =>
        {
            try
            {
                var status = await stack.StatusAsync(s.Instance, s.SessionId, s.Jwt);
                s.Status = status;
                if (status == "PROCESSED")
                {
                    s.ProcessedAt = DateTimeOffset.UtcNow;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                s.StatusErrors++;
            }
        }));

    /// <summary>
    /// Cancels, through the public cancel route, every session the run did not see finish, so that the
    /// shared pending index (which every local reconciler walks, 200 entries a run) is left as it was found.
    /// </summary>
    private static async Task CleanUpAsync(BenchStack stack, BacklogResults results, Stopwatch wall)
    {
        var open = results.Sessions.Where(s => !s.IsFinished && !(!s.Paid && s.Cancels.Count > 0)).ToList();
        if (open.Count == 0)
        {
            return;
        }

        Step(wall, $"cleaning up: cancelling the {open.Count} sessions not seen finished (after the measurement)");
        await Runner.RunAsync(open, BacklogPlan.CleanupConcurrency, async s =>
        {
            string outcome;
            try
            {
                outcome = (await stack.CancelAsync(s.Instance, s.SessionId, s.Jwt)) switch
                {
                    HttpStatusCode.OK => "cancelled",
                    HttpStatusCode.Conflict => "already closed or paid (409)",
                    var other => $"answered {(int)other}",
                };
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                outcome = "failed";
            }

            lock (results.Cleanup)
            {
                results.Cleanup[outcome] = results.Cleanup.GetValueOrDefault(outcome) + 1;
            }
        }, null);
        Step(wall, "cleaned up: " + string.Join(", ", results.Cleanup.Select(p => $"{p.Key} {p.Value}")));
    }

    private static void Step(Stopwatch wall, string what) => Console.Error.WriteLine($"[{wall.Elapsed.TotalSeconds,6:0.0} s] {what}");
}
