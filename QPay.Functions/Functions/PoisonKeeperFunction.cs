using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Payments.Operations;

namespace QPay.Functions.Functions;

/// <summary>
/// Hourly, at minute 47: poison messages the Functions runtime moved itself (7-day time-to-live) are made to
/// never expire (<see cref="PoisonKeeper"/>). Its own timer rather than the retention run's: retention deletes
/// within a shared budget, this keeps, and neither's failure should hold up the other.
/// </summary>
public sealed class PoisonKeeperFunction(PoisonKeeper keeper)
{
    public const string Schedule = "0 47 * * * *";

    [Function(nameof(KeepPoisonMessages))]
    public Task KeepPoisonMessages([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        keeper.RunAsync(cancellationToken);
}
