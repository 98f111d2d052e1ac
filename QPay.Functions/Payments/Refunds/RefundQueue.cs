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
    /// <summary>Azure Queue Storage hides a message for at most 7 days.</summary>
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    public async Task EnqueueAsync(RefundMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        var queue = await storage.GetQueueAsync(options.Value.RefundQueue, cancellationToken).ConfigureAwait(false);
        var visibility = delay <= TimeSpan.Zero ? (TimeSpan?)null : delay < MaxDelay ? delay : MaxDelay;
        await queue.SendMessageAsync(JsonSerializer.Serialize(message, RefundQueueJson.Default.RefundMessage), visibility, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

[JsonSerializable(typeof(RefundMessage))]
internal sealed partial class RefundQueueJson : JsonSerializerContext;
