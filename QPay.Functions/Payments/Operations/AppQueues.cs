using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Operations;

/// <summary>One of the app's work queues; the Functions host moves a message that failed maxDequeueCount times to <see cref="PoisonName"/>.</summary>
/// <param name="Alias">The short name the admin routes accept (orders, refunds, reconcile, ebarimt).</param>
public sealed record AppQueue(string Alias, string Name)
{
    public string PoisonName => PoisonQueue.NameOf(Name);
}

/// <summary>
/// The app's queues with a poison queue, named as the app really uses them (the options, so a test
/// harness's own queues are the ones seen): order creation, refunds, reconciler visits, e-receipts.
/// </summary>
public sealed class AppQueues(IOptions<PaymentOptions> payments, IOptions<EbarimtOptions> ebarimt)
{
    public const string Ebarimt = "ebarimt";

    public AppQueue Orders => new("orders", payments.Value.OrderCreationQueue);

    public AppQueue Refunds => new("refunds", payments.Value.RefundQueue);

    public AppQueue Reconcile => new("reconcile", payments.Value.ReconcileQueue);

    public AppQueue Receipts => new(Ebarimt, ebarimt.Value.Queue);

    public IReadOnlyList<AppQueue> All => [Orders, Refunds, Reconcile, Receipts];

    /// <summary>The queue named by its alias, its name or its poison queue's name (case-insensitive), or null.</summary>
    public AppQueue? Find(string? name) => name is null ? null : All.FirstOrDefault(q =>
        string.Equals(q.Alias, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(q.Name, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(q.PoisonName, name, StringComparison.OrdinalIgnoreCase));
}
