using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Payments.Reconciliation;

namespace QPay.Functions.Functions;

/// <summary>Every five minutes: finish the sessions whose callback never completed them.</summary>
public sealed class ReconcilerFunction(PaymentReconciler reconciler)
{
    public const string Schedule = "0 */5 * * * *";

    [Function(nameof(ReconcilePayments))]
    public Task ReconcilePayments([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        reconciler.RunAsync(cancellationToken);
}
