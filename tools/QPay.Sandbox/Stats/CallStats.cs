using System.Collections.Concurrent;

namespace QPay.Sandbox.Stats;

/// <summary>
/// Calls per /v2 endpoint key, counted as they arrive (faulted and unauthorized calls included); and,
/// for the calls that name an invoice (see <see cref="Api.Pipeline.StatsMiddleware"/>), when each one
/// arrived, per invoice and endpoint key.
/// </summary>
internal sealed class CallStats
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InvoiceCalls> _invoices = new(StringComparer.Ordinal);

    public void Count(string endpoint) => _counts.AddOrUpdate(endpoint, 1, (_, n) => n + 1);

    /// <summary>One more call of <paramref name="endpoint"/> for <paramref name="invoiceId"/>, arrived at <paramref name="at"/>.</summary>
    public void CountInvoice(string endpoint, string invoiceId, DateTimeOffset at) =>
        _invoices.GetOrAdd(invoiceId, _ => new InvoiceCalls()).Add(endpoint, at);

    public IReadOnlyDictionary<string, int> Snapshot() =>
        new SortedDictionary<string, int>(_counts.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Per invoice id, per endpoint key, the arrival times of its calls in order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>>> InvoiceSnapshot() =>
        new SortedDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>>>(
            _invoices.ToDictionary(p => p.Key, p => p.Value.Snapshot(), StringComparer.Ordinal), StringComparer.Ordinal);

    public void Clear()
    {
        _counts.Clear();
        _invoices.Clear();
    }

    private sealed class InvoiceCalls
    {
        private readonly Lock _gate = new();
        private readonly SortedDictionary<string, List<DateTimeOffset>> _calls = new(StringComparer.Ordinal);

        public void Add(string endpoint, DateTimeOffset at)
        {
            lock (_gate)
            {
                if (!_calls.TryGetValue(endpoint, out var times))
                {
                    _calls[endpoint] = times = [];
                }

                times.Add(at);
            }
        }

        public IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> Snapshot()
        {
            lock (_gate)
            {
                return new SortedDictionary<string, IReadOnlyList<DateTimeOffset>>(
                    _calls.ToDictionary(p => p.Key, p => (IReadOnlyList<DateTimeOffset>)p.Value.ToArray(), StringComparer.Ordinal), StringComparer.Ordinal);
            }
        }
    }
}
