using System.Diagnostics;
using System.Net;
using System.Text.Json;
using QPay.FunctionsHost;
using Microsoft.Extensions.Logging;

namespace QPay.Benchmarks;

/// <summary>Sample counts; <see cref="Scale"/> multiplies the measured ones (a quick run uses less).</summary>
internal sealed record BenchPlan(double Scale, bool OrdersOnInstanceA = true)
{
    private int Scaled(int n) => Math.Max(8, (int)Math.Round(n * Scale));

    public int Warmup => Scaled(10);
    public int SeedRounds => 6;
    public int SeedSamples => Scaled(150);
    public int WebhookC1Rounds => 8;
    public int WebhookC1Samples => Scaled(300);
    public int WebhookC16Rounds => 5;
    public int WebhookC16Samples => Scaled(480);
    public int StatusRounds => 6;
    public int StatusC1Samples => Scaled(1200);
    public int StatusC16Samples => Scaled(4000);
    public int NoIoSamples => Scaled(300);
    public int TokenWebhooks => 1000;
    public int TokenSessions => Scaled(100);
    public int DuplicateInvoices => 5;
    public int DuplicatesPerInvoice => 100;
    public int StatusUsers => 16;
    public int LiveSamples => Scaled(40);
}

/// <summary>Everything one run measured.</summary>
internal sealed class BenchResults
{
    public required BenchPlan Plan { get; init; }
    public Dictionary<string, Series> Series { get; } = [];
    public List<WorkerStart> WorkerStarts { get; } = [];
    public long WorkerPeakKb { get; set; }
    public List<MemoryPoint> WorkerMemory { get; } = [];
    public long WorkerRssKb { get; set; }
    public int TokenCalls { get; set; }
    public int TokenWebhooksSent { get; set; }
    public Dictionary<string, int> TokenWebhookReasons { get; set; } = [];
    public int TokenRejectionsLogged { get; set; }
    public List<int> ChecksPerDuplicateBurst { get; } = [];
    public List<int> ProcessedPerDuplicateBurst { get; } = [];
    public int LiveWatchRequests { get; set; }
    public int PollingWatchRequests { get; set; }
    public TimeSpan WallTime { get; set; }
    public CostResults? Cost { get; set; }
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public Series this[string name]
    {
        get
        {
            if (!Series.TryGetValue(name, out var series))
            {
                Series[name] = series = new Series();
            }

            return series;
        }
    }
}

/// <summary>Instance A's resident memory after a phase (kB).</summary>
internal sealed record MemoryPoint(string After, long RssKb, long PeakKb);

internal static class Benchmark
{
    public static async Task<BenchResults> RunAsync(BenchPlan plan, string? logFile = null)
    {
        var wall = Stopwatch.StartNew();
        var results = new BenchResults { Plan = plan };
        var runId = Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, plan.StatusUsers).Select(i => $"bench-{runId}-{i}").ToArray();

        await using var stack = await BenchStack.StartAsync();
        var jwts = users.ToDictionary(u => u, stack.Jwt);
        Step(wall, "starting the worker (instance A)");
        var (a, startA) = await stack.StartInstanceAsync(plan.OrdersOnInstanceA);
        results.WorkerStarts.Add(startA);
        void Sample(string after)
        {
            var (peak, rss) = Memory(a.WorkerProcessId);
            results.WorkerMemory.Add(new MemoryPoint(after, rss, peak));
        }

        Sample("start");
        Step(wall, "loading the demo catalogue through the catalogue routes");
        await stack.LoadDemoCatalogAsync(a.BaseAddress);
        await using var floors = await Floors.CreateAsync(stack.Sandbox.BaseUrl, stack.Settings);
        var next = 0;
        string NextUser() => users[Interlocked.Increment(ref next) % users.Length];
        Task<Seeded> Seed(Uri app) { var user = NextUser(); return stack.SeedAsync(app, user, jwts[user]); }

        // Warm up the app and the floors; the first paid session gives the floors their payloads to copy.
        Step(wall, "warming up");
        var warm = new List<Seeded>();
        for (var i = 0; i < plan.Warmup + 1; i++)
        {
            warm.Add(await Seed(a.BaseAddress));
        }

        foreach (var seeded in warm)
        {
            await stack.PayAsync(seeded);
            await stack.CallbackAsync(seeded.CallbackUrl!);
        }

        await floors.UseTemplatesAsync(warm[0].SessionId, warm[0].InvoiceId);
        var callbackBase = a.BaseAddress.ToString().TrimEnd('/');
        await Runner.RunAsync(warm, 1, _ => floors.SeedAsync(callbackBase), null);
        await Runner.RunAsync(warm, 1, floors.WebhookAsync, null);

        Sample("warm-up");

        // Seed-session, measured at concurrency 1 beside its floor; these sessions are used below too.
        Step(wall, "seed-session");
        var measuredSeeds = new List<Seeded>();
        await Runner.InterleaveAsync(
            plan.SeedRounds, 1,
            Enumerable.Range(0, plan.SeedSamples).ToList(), async _ => { var s = await Seed(a.BaseAddress); lock (measuredSeeds) { measuredSeeds.Add(s); } }, results["seed.app"],
            Enumerable.Range(0, plan.SeedSamples).ToList(), _ => floors.SeedAsync(callbackBase), results["seed.floor"]);

        Sample("seed-session");

        // The sessions the rest needs, seeded without measuring.
        Step(wall, "preparing sessions and payments");
        var webhookCount = plan.Warmup + plan.WebhookC1Samples + plan.WebhookC16Samples;
        var needed = webhookCount + plan.TokenSessions + plan.DuplicateInvoices;
        var sessions = new List<Seeded>(measuredSeeds);
        var extra = Math.Max(0, needed - sessions.Count);
        await Runner.RunAsync(Enumerable.Range(0, extra).ToList(), 4, async _ => { var s = await Seed(a.BaseAddress); lock (sessions) { sessions.Add(s); } }, results["prep.seed"]);
        var webhookSessions = sessions.Take(webhookCount).ToList();
        var tokenSessions = sessions.Skip(webhookCount).Take(plan.TokenSessions).ToList();
        var duplicateSessions = sessions.Skip(webhookCount + plan.TokenSessions).Take(plan.DuplicateInvoices).ToList();
        await Runner.RunAsync(webhookSessions.Concat(duplicateSessions).ToList(), 8, stack.PayAsync, results["prep.pay"]);
        foreach (var session in tokenSessions)
        {
            session.CallbackUrl = await stack.CallbackUrlAsync(session.InvoiceId); // never paid: every callback checks and finds NOT_PAID
        }

        // Verified webhook: every app call must be processed (a fresh paid invoice each).
        async Task Processed(Seeded s)
        {
            var reason = await stack.CallbackAsync(s.CallbackUrl!);
            if (reason != "PROCESSED")
            {
                throw new InvalidOperationException($"the webhook answered {reason}");
            }
        }

        Step(wall, "verified webhook, concurrency 1");
        var warmWebhooks = webhookSessions.Take(plan.Warmup).ToList();
        await Runner.RunAsync(warmWebhooks, 1, Processed, null);
        await Runner.RunAsync(warmWebhooks, 1, floors.WebhookAsync, null);
        var c1 = webhookSessions.Skip(plan.Warmup).Take(plan.WebhookC1Samples).ToList();
        await Runner.InterleaveAsync(plan.WebhookC1Rounds, 1, c1, Processed, results["webhook.c1.app"], c1, floors.WebhookAsync, results["webhook.c1.floor"]);

        Sample("webhook c=1");
        Step(wall, "verified webhook, concurrency 16");
        var c16 = webhookSessions.Skip(plan.Warmup + plan.WebhookC1Samples).ToList();
        await Runner.InterleaveAsync(plan.WebhookC16Rounds, 16, c16, Processed, results["webhook.c16.app"], c16, floors.WebhookAsync, results["webhook.c16.floor"]);

        Sample("webhook c=16");

        // Status poll: 16 users, each polling a session of its own.
        Step(wall, "status poll");
        var polled = users.Select(u => webhookSessions.First(s => s.UserId == u)).ToList();
        async Task Status(Seeded s)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(a.BaseAddress, $"payments/qpay/status?sessionId={s.SessionId}"));
            request.Headers.Authorization = new("Bearer", jwts[s.UserId]);
            using var response = await stack.Http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"status answered {(int)response.StatusCode}");
            }
        }

        async Task Unauthenticated(int _)
        {
            using var response = await stack.Http.GetAsync(new Uri(a.BaseAddress, "payments/qpay/status?sessionId=none"));
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                throw new InvalidOperationException($"status without a JWT answered {(int)response.StatusCode}");
            }
        }

        List<Seeded> Polls(int count) => Enumerable.Range(0, count).Select(i => polled[i % polled.Count]).ToList();
        await Runner.RunAsync(Polls(100), 1, Status, null);
        await Runner.RunAsync(Polls(100), 1, floors.StatusAsync, null);
        await Runner.InterleaveAsync(plan.StatusRounds, 1, Polls(plan.StatusC1Samples), Status, results["status.c1.app"], Polls(plan.StatusC1Samples), floors.StatusAsync, results["status.c1.floor"]);
        await Runner.InterleaveAsync(plan.StatusRounds, 16, Polls(plan.StatusC16Samples), Status, results["status.c16.app"], Polls(plan.StatusC16Samples), floors.StatusAsync, results["status.c16.floor"]);
        await Runner.RunAsync(Enumerable.Range(0, plan.NoIoSamples).ToList(), 1, Unauthenticated, results["noio.c1.app"]);

        Sample("status");

        // Live status: waiting clients from payment to PROCESSED, beside two clients watching an unpaid session for 60 s.
        // Without order creation on instance A nothing would become PROCESSED: the phase is left out.
        if (plan.OrdersOnInstanceA)
        {
            Step(wall, "live status");
            var liveSessions = new List<Seeded>();
            for (var i = 0; i < plan.LiveSamples + 2; i++)
            {
                liveSessions.Add(await Seed(a.BaseAddress));
            }

            var watch = LiveStatus.WatchAsync(stack, a.BaseAddress, liveSessions[^1], liveSessions[^2], jwts[liveSessions[^1].UserId], jwts[liveSessions[^2].UserId]);
            await LiveStatus.RunAsync(stack, a.BaseAddress, liveSessions.Take(plan.LiveSamples).ToList(), u => jwts[u], results);
            (results.LiveWatchRequests, results.PollingWatchRequests) = await watch;
            Sample("live status");
        }

        // The worker that served everything so far: its peak memory.
        (results.WorkerPeakKb, results.WorkerRssKb) = Memory(a.WorkerProcessId);

        // QPay calls across two fresh instances sharing Redis.
        Step(wall, "QPay calls: two more instances (B, C)");
        var (b, startB) = await stack.StartInstanceAsync();
        results.WorkerStarts.Add(startB);
        var (c, startC) = await stack.StartInstanceAsync();
        results.WorkerStarts.Add(startC);
        FunctionsHost.FunctionsHost[] fleet = [b, c];

        // Deleting the shared token key makes the fleet start from no token (B and C hold none in memory).
        await floors.Redis.KeyDeleteAsync("qpay:access_token");
        var before = stack.Sandbox.Stats;
        var sent = 0;
        var reasons = new Dictionary<string, int>();
        await Runner.RunAsync(Enumerable.Range(0, plan.TokenWebhooks).ToList(), 8, async i =>
        {
            var session = tokenSessions[i % tokenSessions.Count];
            var reason = await stack.CallbackAsync(BenchStack.OnInstance(session.CallbackUrl!, fleet[i % 2].BaseAddress));
            lock (reasons)
            {
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                sent++;
            }
        }, results["tokens.webhooks"]);
        var after = stack.Sandbox.Stats;
        results.TokenWebhooksSent = sent;
        results.TokenWebhookReasons = reasons;
        results.TokenCalls = Delta(before, after, "token") + Delta(before, after, "refresh");
        results.TokenRejectionsLogged = fleet.Sum(h => h.Logs.Count(l => l.Level == LogLevel.Warning && l.Message.Contains("rejected the access token", StringComparison.Ordinal)));
        Step(wall, "QPay calls: 100 concurrent duplicate callbacks per invoice");
        foreach (var session in duplicateSessions)
        {
            var checksBefore = stack.Sandbox.Stats.GetValueOrDefault("payment.check");
            var burst = await Task.WhenAll(Enumerable.Range(0, plan.DuplicatesPerInvoice).Select(i =>
                stack.CallbackAsync(BenchStack.OnInstance(session.CallbackUrl!, fleet[i % 2].BaseAddress))));
            results.ChecksPerDuplicateBurst.Add(stack.Sandbox.Stats.GetValueOrDefault("payment.check") - checksBefore);
            results.ProcessedPerDuplicateBurst.Add(burst.Count(r => r == "PROCESSED"));
        }

        if (logFile is not null)
        {
            // Instance A's captured log (host lines, the worker's RpcLog lines, its stdout and stderr), to see what a request logs.
            await File.WriteAllLinesAsync(logFile, a.Logs.Select(l => l.ToString()));
        }

        results.WallTime = wall.Elapsed;
        Step(wall, "stopping");
        return results;
    }

    private static int Delta(IReadOnlyDictionary<string, int> before, IReadOnlyDictionary<string, int> after, string key) =>
        after.GetValueOrDefault(key) - before.GetValueOrDefault(key);

    /// <summary>VmHWM (peak resident set) and VmRSS of a process, in kB, from /proc/&lt;pid&gt;/status.</summary>
    public static (long PeakKb, long RssKb) Memory(int pid)
    {
        long Read(string[] lines, string name) =>
            lines.Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
                .Select(l => long.Parse(l[(name.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
                .FirstOrDefault();
        var status = File.ReadAllLines($"/proc/{pid}/status");
        return (Read(status, "VmHWM"), Read(status, "VmRSS"));
    }

    private static void Step(Stopwatch wall, string what) => Console.Error.WriteLine($"[{wall.Elapsed.TotalSeconds,6:0.0} s] {what}");
}
