using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>One measurement: its value and its tags as <c>key=value</c> pairs, sorted by key.</summary>
internal sealed record Measurement(string Instrument, double Value, string Tags);

/// <summary>
/// Every measurement of a harness's <see cref="PaymentMetrics.MeterName"/> meter, from now on. The listener is
/// bound to the harness's own meter factory, so parallel tests never see each other's measurements.
/// </summary>
internal sealed class RecordedMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public RecordedMetrics(PaymentsHarness harness)
    {
        var factory = harness.Get<IMeterFactory>();
        _ = harness.Get<PaymentMetrics>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PaymentMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<Measurement> All => [.. _measurements];

    public List<Measurement> Of(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    public double Sum(string instrument) => Of(instrument).Sum(m => m.Value);

    /// <summary>The sum of the measurements of <paramref name="instrument"/> whose tags are exactly <paramref name="tags"/>.</summary>
    public double Sum(string instrument, string tags) => Of(instrument).Where(m => m.Tags == tags).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new List<string>();
        foreach (var tag in tags)
        {
            pairs.Add($"{tag.Key}={tag.Value}");
        }

        _measurements.Enqueue(new Measurement(instrument.Name, value, string.Join(',', pairs.Order(StringComparer.Ordinal))));
    }
}
