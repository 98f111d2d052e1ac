namespace QPay.Benchmarks;

/// <summary>Latency percentiles from raw samples (nearest-rank, no interpolation).</summary>
public static class Percentiles
{
    /// <summary>
    /// The nearest-rank percentile: the smallest sample such that at least <paramref name="percent"/>%
    /// of the samples are at or below it (sorted[ceil(p/100 × n) − 1]). p50 of 1..10 is 5, p99 of 1..100 is 99.
    /// </summary>
    public static double Of(IReadOnlyCollection<double> samples, double percent)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("There are no samples.", nameof(samples));
        }

        if (percent is <= 0 or > 100 || double.IsNaN(percent))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "The percentile must be in (0, 100].");
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}

/// <summary>p50, p99, mean and count of one series of latencies in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50, double P99, double Mean, double Max)
{
    public static LatencySummary Of(IReadOnlyCollection<double> samples) =>
        new(samples.Count, Percentiles.Of(samples, 50), Percentiles.Of(samples, 99), samples.Average(), samples.Max());
}

/// <summary>The collected latencies (ms) of one measured operation, plus the wall time of its batches.</summary>
public sealed class Series
{
    private readonly List<double> _samples = [];
    private readonly Lock _gate = new();

    public TimeSpan BatchWallTime { get; private set; }

    public int Errors { get; private set; }

    public IReadOnlyList<double> Samples
    {
        get
        {
            lock (_gate)
            {
                return _samples.ToArray();
            }
        }
    }

    public void Add(double milliseconds)
    {
        lock (_gate)
        {
            _samples.Add(milliseconds);
        }
    }

    public void AddError()
    {
        lock (_gate)
        {
            Errors++;
        }
    }

    public void AddWallTime(TimeSpan elapsed)
    {
        lock (_gate)
        {
            BatchWallTime += elapsed;
        }
    }

    /// <summary>Completed operations per second over the batches' wall time.</summary>
    public double PerSecond => BatchWallTime > TimeSpan.Zero ? Samples.Count / BatchWallTime.TotalSeconds : 0;

    public LatencySummary Summary() => LatencySummary.Of(Samples);
}
