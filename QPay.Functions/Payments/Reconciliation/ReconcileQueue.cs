using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Reconciliation;

/// <summary>One visit of one session, handed out by the timer (<see cref="ReconcileDispatcher"/>).</summary>
/// <param name="Ticket">The index's ticket: only the visit it was handed out for may run (a duplicate or stale copy is dropped).</param>
public sealed record ReconcileMessage(
    [property: JsonPropertyName("sessionId")] string SessionId,
    [property: JsonPropertyName("ticket")] string Ticket)
{
    /// <summary>The message's body, or null when it is not a visit.</summary>
    public static ReconcileMessage? Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, ReconcileQueueJson.Default.ReconcileMessage) is { SessionId.Length: > 0, Ticket.Length: > 0 } parsed ? parsed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The <c>qpay-reconcile</c> queue: every instance's queue trigger takes visits from it.</summary>
public interface IReconcileQueue
{
    Task EnqueueAsync(ReconcileMessage message, CancellationToken cancellationToken);

    /// <summary>Messages waiting or in flight, approximately (as Queue Storage counts them).</summary>
    Task<int> DepthAsync(CancellationToken cancellationToken);
}

internal sealed class StorageReconcileQueue(StorageClients storage, IOptions<PaymentOptions> options) : IReconcileQueue
{
    public Task EnqueueAsync(ReconcileMessage message, CancellationToken cancellationToken) =>
        storage.SendAsync(options.Value.ReconcileQueue, JsonSerializer.Serialize(message, ReconcileQueueJson.Default.ReconcileMessage), TimeSpan.Zero, cancellationToken);

    public async Task<int> DepthAsync(CancellationToken cancellationToken)
    {
        var queue = await storage.GetQueueAsync(options.Value.ReconcileQueue, cancellationToken).ConfigureAwait(false);
        var properties = await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        return properties.Value.ApproximateMessagesCount;
    }
}

[JsonSerializable(typeof(ReconcileMessage))]
internal sealed partial class ReconcileQueueJson : JsonSerializerContext;
