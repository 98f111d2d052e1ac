using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Payments.Retention;

namespace QPay.Functions.Functions;

/// <summary>Hourly, at minute 17: remove what is no longer needed, within a budget (<see cref="RetentionService"/>).</summary>
public sealed class RetentionFunction(RetentionService retention)
{
    public const string Schedule = "0 17 * * * *";

    [Function(nameof(RemoveExpiredData))]
    public Task RemoveExpiredData([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        retention.RunAsync(cancellationToken);
}
