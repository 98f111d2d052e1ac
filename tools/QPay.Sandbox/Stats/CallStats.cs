using System.Collections.Concurrent;

namespace QPay.Sandbox.Stats;

/// <summary>Calls per /v2 endpoint key, counted as they arrive (faulted and unauthorized calls included).</summary>
internal sealed class CallStats
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Count(string endpoint) => _counts.AddOrUpdate(endpoint, 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, int> Snapshot() =>
        new SortedDictionary<string, int>(_counts.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    public void Clear() => _counts.Clear();
}
