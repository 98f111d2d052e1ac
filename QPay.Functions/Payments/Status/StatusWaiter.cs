using QPay.Functions.Payments.Sessions;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Status;

/// <summary>
/// A status request that waits for a change (live status): when the session's status differs from
/// what the caller knows it answers at once; otherwise it subscribes to the session's channel,
/// reads again (a change made before the subscription was published to nobody), and answers at
/// the first published change or when the wait ends. Redis unavailable: answers at once. The
/// caller going away ends the wait quietly.
/// </summary>
public sealed class StatusWaiter(PaymentStatusService statuses, ISessionStatusChannel channel, PaymentMetrics metrics, TimeProvider clock)
{
    /// <param name="known">The API status the caller has (PENDING, PAID…), or null: then the answer is immediate.</param>
    public async Task<PaymentStatusView?> WaitAsync(string sessionId, string userId, string? known, TimeSpan wait, CancellationToken cancellationToken)
    {
        var first = await statuses.GetAsync(sessionId, userId, cancellationToken).ConfigureAwait(false);
        if (first is null || known is null || first.Status != known)
        {
            metrics.StatusWaited("immediate");
            return first;
        }

        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await channel.SubscribeAsync(sessionId, () => changed.TrySetResult()).ConfigureAwait(false);
        if (subscription is null)
        {
            metrics.StatusWaited("unavailable");
            return first;
        }

        var subscribed = await statuses.GetStoredAsync(sessionId, userId, cancellationToken).ConfigureAwait(false);
        if (subscribed is null || subscribed.Status != known)
        {
            metrics.StatusWaited("immediate");
            return subscribed;
        }

        try
        {
            await changed.Task.WaitAsync(wait, clock, cancellationToken).ConfigureAwait(false);
            metrics.StatusWaited("changed");
        }
        catch (TimeoutException)
        {
            // Nothing changed: the answer is the status as it is now.
            metrics.StatusWaited("timeout");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            metrics.StatusWaited("gone");
            return subscribed;
        }

        return await statuses.GetStoredAsync(sessionId, userId, cancellationToken).ConfigureAwait(false) ?? subscribed;
    }
}
