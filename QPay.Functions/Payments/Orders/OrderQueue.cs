using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Orders;

/// <summary>The message that asks for a verified invoice's orders.</summary>
public sealed record OrderCreationMessage(
    [property: JsonPropertyName("sessionId")] string SessionId,
    [property: JsonPropertyName("invoiceId")] string InvoiceId);

/// <summary>Hands order creation to the <c>qpay-order-creation</c> queue.</summary>
public interface IOrderQueue
{
    Task EnqueueAsync(OrderCreationMessage message, CancellationToken cancellationToken);
}

internal sealed class StorageOrderQueue(StorageClients storage, IOptions<PaymentOptions> options) : IOrderQueue
{
    public async Task EnqueueAsync(OrderCreationMessage message, CancellationToken cancellationToken)
    {
        var queue = await storage.GetQueueAsync(options.Value.OrderCreationQueue, cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(JsonSerializer.Serialize(message, OrderJsonContext.Default.OrderCreationMessage), cancellationToken).ConfigureAwait(false);
    }
}

[JsonSerializable(typeof(OrderCreationMessage))]
internal sealed partial class OrderJsonContext : JsonSerializerContext;
