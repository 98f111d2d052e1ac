namespace QPay.FunctionsHost.Hosting;

/// <summary>
/// The outcomes published so far, plus waiters for a matching one: a test that enqueues a message
/// and then waits cannot miss an outcome that arrived in between.
/// </summary>
internal sealed class InvocationOutcomes
{
    private readonly List<InvocationOutcome> _outcomes = [];
    private readonly List<(Func<InvocationOutcome, bool> Match, TaskCompletionSource<InvocationOutcome> Waiter)> _waiters = [];
    private readonly Lock _gate = new();

    public event EventHandler<InvocationOutcome>? Published;

    public IReadOnlyList<InvocationOutcome> Snapshot()
    {
        lock (_gate)
        {
            return _outcomes.ToArray();
        }
    }

    public void Publish(InvocationOutcome outcome)
    {
        List<TaskCompletionSource<InvocationOutcome>> matched = [];
        lock (_gate)
        {
            _outcomes.Add(outcome);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(outcome))
                {
                    matched.Add(_waiters[i].Waiter);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in matched)
        {
            waiter.TrySetResult(outcome);
        }

        Published?.Invoke(this, outcome);
    }

    /// <summary>The first outcome, past or future, that matches.</summary>
    public async Task<InvocationOutcome> WaitAsync(Func<InvocationOutcome, bool> match, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<InvocationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = (match, waiter);
        lock (_gate)
        {
            if (_outcomes.FirstOrDefault(match) is { } past)
            {
                return past;
            }

            _waiters.Add(entry);
        }

        await using var registration = cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _waiters.Remove(entry);
            }

            waiter.TrySetCanceled(cancellationToken);
        });
        return await waiter.Task;
    }
}
