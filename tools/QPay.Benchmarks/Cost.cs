using System.Diagnostics;
using System.Net;
using System.Text.Json;
using QPay.FunctionsHost;

namespace QPay.Benchmarks;

/// <summary>What the cost phase counted (issue 21, point 5), over exactly its measured payments.</summary>
internal sealed class CostResults
{
    public required int Payments { get; init; }
    public int Failed { get; set; }
    public double WindowSeconds { get; set; }
    public long TableApp { get; set; }
    public long QueueApp { get; set; }
    public IReadOnlyDictionary<string, long> AppByTags { get; set; } = new Dictionary<string, long>();
    public HostStorageRequests Host { get; set; }
    public Dictionary<string, long> RedisByCommand { get; set; } = [];
    public Dictionary<string, int> QPayByEndpoint { get; set; } = [];
    public Dictionary<string, (int Count, double Seconds)> Executions { get; } = [];
    public double ActiveSeconds { get; set; }
    public int StatusRequests { get; set; }
    public long WorkerPeakKb { get; set; }
    public CostPrices Prices { get; init; } = CostPrices.EastUs;

    public long RedisCommands => RedisByCommand.Values.Sum();

    public CostCounts Counts => new(
        Payments, TableApp, QueueApp, Host.Queue - Host.EmptyPolls, RedisCommands, QPayByEndpoint.Values.Sum(),
        Executions.Values.Sum(e => e.Count), ActiveSeconds);
}

/// <summary>
/// The cost phase: payments one after another through the benchmark's flow (seed-session, a status
/// wait with waitSec=60, the sandbox's payment and QPay's callback, order creation by the queue trigger,
/// PROCESSED answering the wait), on a fresh instance with an Azurite and a redis-server of its own
/// (nothing else on the machine can take its queue messages or add to its counts), counting what
/// each costs: the worker's Table and Queue requests (its own meter, read over EventPipe), the host's
/// queue requests, Redis commands, QPay calls, and the function executions with their durations.
/// </summary>
internal static class Cost
{
    /// <summary>The client waits up to 60 s in all, in requests of at most 25 s (the route's longest waitSec).</summary>
    public const int WaitSec = 60;
    private const int MaxWaitSecPerRequest = 25;
    private const int Warmup = 3;
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(3);

    public static int DefaultPayments(double scale) => Math.Max(10, (int)Math.Round(50 * scale));

    public static async Task<CostResults> RunAsync(int payments)
    {
        await using var redis = await PrivateRedis.StartAsync();
        await using var azurite = await PrivateAzurite.StartAsync();
        await using var stack = await BenchStack.StartAsync(new Dictionary<string, string>
        {
            ["REDIS_DATABASE_URI"] = redis.Uri,
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
        });
        var (host, _) = await stack.StartInstanceAsync();
        await stack.LoadDemoCatalogAsync(host.BaseAddress);
        var runId = Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, 4).Select(i => $"bench-{runId}-cost{i}").ToArray();
        var jwts = users.ToDictionary(u => u, stack.Jwt);

        // Invocation intervals, from the moment each is published back by its duration.
        var clock = Stopwatch.StartNew();
        var recording = false;
        var invocations = new List<(InvocationOutcome Outcome, double Start, double End)>();
        host.InvocationCompleted += (_, outcome) =>
        {
            var end = clock.Elapsed.TotalSeconds;
            lock (invocations)
            {
                if (recording)
                {
                    invocations.Add((outcome, end - outcome.Duration.TotalSeconds, end));
                }
            }
        };

        var results = new CostResults { Payments = payments };
        await using var meter = await WorkerStorageMeter.StartAsync(host.WorkerProcessId);
        for (var i = 0; i < Warmup; i++)
        {
            await PayOnceAsync(stack, host.BaseAddress, users[i % users.Length], jwts);
        }

        await QuietAsync(host, meter);
        var appBefore = meter.Snapshot();
        var hostBefore = host.StorageRequests;
        var redisBefore = await redis.CommandStatsAsync();
        var qpayBefore = stack.Sandbox.Stats;
        lock (invocations)
        {
            recording = true;
        }

        var started = clock.Elapsed;
        for (var i = 0; i < payments; i++)
        {
            try
            {
                results.StatusRequests += await PayOnceAsync(stack, host.BaseAddress, users[i % users.Length], jwts);
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TimeoutException)
            {
                results.Failed++;
                Console.Error.WriteLine($"  cost phase: payment {i} failed: {e.Message}");
            }
        }

        // What the payments set going after their answer (receipts, the audit trail's writes) belongs to them too.
        await QuietAsync(host, meter);
        lock (invocations)
        {
            recording = false;
        }

        results.WindowSeconds = (clock.Elapsed - started).TotalSeconds;
        var appAfter = meter.Snapshot();
        results.TableApp = appAfter.Table - appBefore.Table;
        results.QueueApp = appAfter.Queue - appBefore.Queue;
        results.AppByTags = appAfter.ByTags.ToDictionary(p => p.Key, p => p.Value - appBefore.ByTags.GetValueOrDefault(p.Key)).Where(p => p.Value > 0).ToDictionary();
        results.Host = host.StorageRequests - hostBefore;
        var redisAfter = await redis.CommandStatsAsync();
        results.RedisByCommand = redisAfter
            .Select(p => (p.Key, Calls: p.Value - redisBefore.GetValueOrDefault(p.Key) - (p.Key == "info" ? 1 : 0))) // the benchmark's own INFO
            .Where(p => p.Calls > 0).ToDictionary(p => p.Key, p => p.Calls);
        var qpayAfter = stack.Sandbox.Stats;
        results.QPayByEndpoint = qpayAfter.Select(p => (p.Key, Calls: p.Value - qpayBefore.GetValueOrDefault(p.Key))).Where(p => p.Calls > 0).ToDictionary(p => p.Key, p => p.Calls);
        foreach (var group in invocations.GroupBy(i => i.Outcome.FunctionName))
        {
            results.Executions[group.Key] = (group.Count(), group.Sum(i => i.Outcome.Duration.TotalSeconds));
        }

        results.ActiveSeconds = CostCalculator.ActiveSeconds(invocations.Select(i => (i.Start, i.End)));
        results.WorkerPeakKb = Benchmark.Memory(host.WorkerProcessId).PeakKb;
        return results;
    }

    /// <summary>One payment through the flow; answers the status requests the waiting client made.</summary>
    private static async Task<int> PayOnceAsync(BenchStack stack, Uri app, string user, Dictionary<string, string> jwts)
    {
        var session = await stack.SeedAsync(app, user, jwts[user]);
        var client = WaitUntilProcessedAsync(stack, app, session, jwts[user]);
        await Task.Delay(50); // the wait is on the worker before the payment, as a page's would be
        await stack.PayAsync(session);
        var reason = await stack.CallbackAsync(session.CallbackUrl!);
        if (reason != "PROCESSED")
        {
            throw new InvalidOperationException($"the webhook answered {reason}");
        }

        return await client.WaitAsync(TimeSpan.FromSeconds(WaitSec + 30));
    }

    private static async Task<int> WaitUntilProcessedAsync(BenchStack stack, Uri app, Seeded session, string jwt)
    {
        var known = "PENDING";
        var end = Stopwatch.GetTimestamp() + WaitSec * Stopwatch.Frequency;
        for (var requests = 1; Stopwatch.GetTimestamp() < end; requests++)
        {
            var left = (int)Math.Ceiling((end - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            using var request = new HttpRequestMessage(HttpMethod.Get,
                new Uri(app, $"payments/qpay/status?sessionId={Uri.EscapeDataString(session.SessionId)}&waitSec={Math.Clamp(left, 1, MaxWaitSecPerRequest)}&known={known}"));
            request.Headers.Authorization = new("Bearer", jwt);
            using var response = await stack.Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"status answered {(int)response.StatusCode}");
            }

            using var json = JsonDocument.Parse(body);
            known = json.RootElement.GetProperty("status").GetString()!;
            if (known == "PROCESSED")
            {
                return requests;
            }
        }

        throw new InvalidOperationException($"session was still {known} after {WaitSec} s of waiting");
    }

    /// <summary>Until the worker has made no storage request and the host finished no invocation for <see cref="Quiet"/>.</summary>
    private static async Task QuietAsync(FunctionsHost.FunctionsHost host, WorkerStorageMeter meter)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        var last = (meter.Snapshot().Table, meter.Snapshot().Queue, host.Invocations.Count);
        var since = Stopwatch.StartNew();
        while (since.Elapsed < Quiet)
        {
            await meter.NextIntervalsAsync(1);
            var now = (meter.Snapshot().Table, meter.Snapshot().Queue, host.Invocations.Count);
            if (now != last)
            {
                (last, since) = (now, Stopwatch.StartNew());
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the worker did not go quiet within 2 minutes");
            }
        }
    }
}
