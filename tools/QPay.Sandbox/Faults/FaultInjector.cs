namespace QPay.Sandbox.Faults;

/// <summary>Pending faults per endpoint key, used up in the order they were added, one per call.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedList<(FaultRule Rule, int Left)>> _pending = new(StringComparer.Ordinal);

    public void Add(FaultRule rule)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(rule.Endpoint, out var queue))
            {
                _pending[rule.Endpoint] = queue = new LinkedList<(FaultRule, int)>();
            }

            queue.AddLast((rule, rule.Count));
        }
    }

    /// <summary>The fault the next call of <paramref name="endpoint"/> suffers, if any; uses one of its count.</summary>
    public FaultRule? Take(string endpoint)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(endpoint, out var queue) || queue.First is not { } first)
            {
                return null;
            }

            var (rule, left) = first.Value;
            if (left <= 1)
            {
                queue.RemoveFirst();
            }
            else
            {
                first.Value = (rule, left - 1);
            }

            return rule;
        }
    }

    /// <summary>Calls still to be hit, per endpoint.</summary>
    public IReadOnlyDictionary<string, int> Pending()
    {
        lock (_gate)
        {
            return _pending.Where(p => p.Value.Count > 0).ToDictionary(p => p.Key, p => p.Value.Sum(f => f.Left), StringComparer.Ordinal);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _pending.Clear();
        }
    }
}
