using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace QPay.Benchmarks;

/// <summary>
/// The worker's own <c>qpay.storage.requests</c> counter (meter <c>QPay.Payments</c>), read from
/// outside the worker over EventPipe, as dotnet-counters reads it: the runtime's
/// "System.Diagnostics.Metrics" event source publishes, once per interval, each tag set's increase
/// over that interval. The sums of those increases are the requests counted since the session
/// began; the worker has no route for it.
/// </summary>
internal sealed class WorkerStorageMeter : IAsyncDisposable
{
    private const string MetricsProvider = "System.Diagnostics.Metrics";
    private const string Meter = "QPay.Payments"; // PaymentMetrics.MeterName (the worker's assembly is not referenced)
    private const string Instrument = "qpay.storage.requests";
    private const long TimeSeriesValuesKeyword = 0x2;

    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _processing;
    private readonly string _sessionId = Guid.NewGuid().ToString("N");
    private readonly Dictionary<string, double> _byTags = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _intervals;

    private WorkerStorageMeter(int processId)
    {
        var client = new DiagnosticsClient(processId);
        var arguments = new Dictionary<string, string>
        {
            ["SessionId"] = _sessionId,
            ["Metrics"] = $"{Meter}\\{Instrument}",
            ["RefreshInterval"] = "1",
            ["MaxTimeSeries"] = "1000",
            ["MaxHistograms"] = "10",
        };
        _session = client.StartEventPipeSession(
            [new EventPipeProvider(MetricsProvider, EventLevel.Informational, TimeSeriesValuesKeyword, arguments)],
            requestRundown: false);
        _source = new EventPipeEventSource(_session.EventStream);
        _source.Dynamic.All += OnEvent;
        _processing = Task.Run(() => _source.Process());
    }

    /// <summary>Listens to the worker process's meter; the counts start from the first published interval.</summary>
    public static async Task<WorkerStorageMeter> StartAsync(int processId)
    {
        var meter = new WorkerStorageMeter(processId);
        await meter.NextIntervalsAsync(1);
        return meter;
    }

    /// <summary>Table and Queue requests since the session began (sums of every published interval).</summary>
    public (long Table, long Queue, IReadOnlyDictionary<string, long> ByTags) Snapshot()
    {
        lock (_gate)
        {
            var byTags = _byTags.ToDictionary(p => p.Key, p => (long)Math.Round(p.Value), StringComparer.Ordinal);
            long Service(string name) => byTags.Where(p => p.Key.Contains("service=" + name, StringComparison.Ordinal)).Sum(p => p.Value);
            return (Service("table"), Service("queue"), byTags);
        }
    }

    /// <summary>Waits until <paramref name="count"/> more intervals were published (each one closes what came before it).</summary>
    public async Task NextIntervalsAsync(int count)
    {
        var target = Interlocked.Read(ref _intervals) + count;
        var deadline = DateTime.UtcNow.AddSeconds(30 + count * 2);
        while (Interlocked.Read(ref _intervals) < target)
        {
            if (_processing.IsCompleted || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the worker's meter published no interval over EventPipe ({_processing.Exception?.GetBaseException().Message ?? "timed out"})");
            }

            await Task.Delay(100);
        }
    }

    private void OnEvent(TraceEvent data)
    {
        if (data.ProviderName != MetricsProvider || data.PayloadByName("sessionId") as string != _sessionId)
        {
            return;
        }

        if (data.EventName is "CollectionStop" or "Collection/Stop") // TraceEvent names it by task and opcode
        {
            Interlocked.Increment(ref _intervals);
        }
        else if (data.EventName == "CounterRateValuePublished" && data.PayloadByName("instrumentName") as string == Instrument
            && double.TryParse(data.PayloadByName("rate") as string, NumberStyles.Float, CultureInfo.InvariantCulture, out var increase))
        {
            var tags = data.PayloadByName("tags") as string ?? string.Empty;
            lock (_gate)
            {
                _byTags[tags] = _byTags.GetValueOrDefault(tags) + increase;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _session.StopAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is ServerNotAvailableException or EndOfStreamException or IOException)
        {
            // The worker already exited.
        }

        await Task.WhenAny(_processing, Task.Delay(TimeSpan.FromSeconds(5)));
        _source.Dispose();
        _session.Dispose();
    }
}
