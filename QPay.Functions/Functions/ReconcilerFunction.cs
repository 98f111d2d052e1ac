using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Payments.Reconciliation;

namespace QPay.Functions.Functions;

/// <summary>Every 15 seconds: hand the sessions due for a look to the reconcile queue (<see cref="ReconcileDispatcher"/>).</summary>
public sealed class ReconcilerFunction(ReconcileDispatcher dispatcher)
{
    public const string Schedule = "*/15 * * * * *";

    [Function(nameof(ReconcilePayments))]
    public Task ReconcilePayments([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        dispatcher.RunAsync(cancellationToken);
}
