using System.Net;
using Azure.Storage.Queues;
using QPay.Functions.Tests.Infrastructure;
using QPay.FunctionsHost;
using Host = QPay.FunctionsHost.FunctionsHost;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>
/// Starts the host on the smoke worker (tools/QPay.FunctionsHost.SmokeApp) with its own queue, and
/// reads the queues it uses. The queue name is also the prefix of its output queues:
/// &lt;queue&gt;-done (queue trigger result), &lt;queue&gt;-tickets (HTTP queue output), &lt;queue&gt;-poison.
/// </summary>
internal static class SmokeApp
{
    public const string QueueFunction = "ProcessSmokeMessage";
    public const string TimerFunction = "SmokeTimer";

    /// <summary>Midnight on January 1st: never during a test run.</summary>
    public const string YearlySchedule = "0 0 0 1 1 *";

    public static readonly TimeSpan Patience = Eventually.Patience;

    public static string NewQueueName() => $"smoke-{Guid.NewGuid():N}"[..22];

    public static async Task<Host> StartAsync(string queueName, string? functionKey = null, string timerSchedule = YearlySchedule)
    {
        LocalStack.EnsureRunning();
        using var timeout = new CancellationTokenSource(Patience);
        return await Host.StartAsync(
            new FunctionsHostOptions
            {
                AppDirectory = TestPaths.SmokeAppOutput,
                Settings = new Dictionary<string, string?>
                {
                    ["AzureWebJobsStorage"] = LocalStack.StorageConnectionString,
                    ["SmokeQueue"] = queueName,
                    ["SmokeTimerSchedule"] = timerSchedule,
                },
                FunctionKey = functionKey,
                MaxQueuePollingInterval = TimeSpan.FromMilliseconds(200),
            },
            timeout.Token);
    }

    /// <summary>A client that base64-encodes and decodes, as the Functions host and its producers do.</summary>
    public static QueueClient Queue(string name) =>
        new(LocalStack.StorageConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>A client that sees the stored message text as it is.</summary>
    public static QueueClient RawQueue(string name) =>
        new(LocalStack.StorageConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    /// <summary>The stored (raw) texts of the visible messages of a queue; none when it does not exist.</summary>
    public static async Task<IReadOnlyList<string>> PeekRawAsync(string name)
    {
        var queue = RawQueue(name);
        if (!await queue.ExistsAsync())
        {
            return [];
        }

        return (await queue.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToList();
    }

    /// <summary>Every message the queue holds, visible or not (Azure's approximate count is exact on Azurite).</summary>
    public static async Task<int> CountAsync(string name)
    {
        var queue = RawQueue(name);
        return await queue.ExistsAsync() ? (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
    }

    public static async Task DeleteQueuesAsync(string queueName)
    {
        foreach (var suffix in new[] { string.Empty, "-poison", "-done", "-tickets" })
        {
            await RawQueue(queueName + suffix).DeleteIfExistsAsync();
        }
    }

    /// <summary>Asserts a status code; a failure shows the host's recent log and invocations.</summary>
    public static void AssertStatus(HttpStatusCode expected, HttpResponseMessage response, Host host) =>
        Assert.True(expected == response.StatusCode, $"Expected {expected}, got {response.StatusCode}.{Environment.NewLine}{Describe(host)}");

    public static string Describe(Host host) =>
        string.Join(Environment.NewLine, host.Logs.TakeLast(40).Select(l => $"{l.Timestamp:HH:mm:ss.fff} {l}").Concat(host.Invocations.TakeLast(10).Select(o => o.ToString())));

    public static async Task<InvocationOutcome> WaitForAsync(Host host, Func<InvocationOutcome, bool> match)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await host.WaitForInvocationAsync(match, timeout.Token);
    }
}
