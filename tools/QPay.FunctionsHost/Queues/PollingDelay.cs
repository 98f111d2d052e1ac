namespace QPay.FunctionsHost.Queues;

/// <summary>
/// The wait between empty polls: randomized exponential back-off from 100 ms up to the maximum
/// polling interval, back to the minimum as soon as a message arrives.
/// </summary>
internal sealed class PollingDelay(TimeSpan maximum)
{
    private static readonly TimeSpan Minimum = TimeSpan.FromMilliseconds(100);
    private TimeSpan _current = Minimum;

    public TimeSpan Maximum { get; } = maximum < Minimum ? Minimum : maximum;

    public TimeSpan Next()
    {
        var wait = _current * (0.8 + (Random.Shared.NextDouble() * 0.4));
        _current = _current * 2 > Maximum ? Maximum : _current * 2;
        return wait > Maximum ? Maximum : wait;
    }

    public void Reset() => _current = Minimum;
}
