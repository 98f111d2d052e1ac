using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Refunds;

/// <summary>Asks for a session's refunds to be carried on (QPay asked, or asked again).</summary>
public sealed record RefundMessage([property: JsonPropertyName("sessionId")] string SessionId);

/// <summary>The <c>qpay-refunds</c> queue: a session's refund is started and retried through it.</summary>
public interface IRefundQueue
{
    /// <param name="delay">How long the message stays invisible: the wait before a retry.</param>
    Task EnqueueAsync(RefundMessage message, TimeSpan delay, CancellationToken cancellationToken);
}

internal sealed class StorageRefundQueue(StorageClients storage, IOptions<PaymentOptions> options) : IRefundQueue
{
    public Task EnqueueAsync(RefundMessage message, TimeSpan delay, CancellationToken cancellationToken) =>
        storage.SendAsync(options.Value.RefundQueue, JsonSerializer.Serialize(message, RefundQueueJson.Default.RefundMessage), delay, cancellationToken);
}

[JsonSerializable(typeof(RefundMessage))]
internal sealed partial class RefundQueueJson : JsonSerializerContext;
