using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Receipts;

/// <summary>Asks for a payment's e-receipt to be issued, or cancelled (its payment was refunded).</summary>
/// <param name="Attempt">1 for the first try; a retry after a QPay failure carries the next number.</param>
public sealed record ReceiptMessage(
    [property: JsonPropertyName("sessionId")] string SessionId,
    [property: JsonPropertyName("paymentId")] string PaymentId,
    [property: JsonPropertyName("cancel")] bool Cancel = false,
    [property: JsonPropertyName("attempt")] int Attempt = 1);

/// <summary>The <c>qpay-ebarimt</c> queue and its poison queue.</summary>
public interface IReceiptQueue
{
    Task EnqueueAsync(ReceiptMessage message, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Puts a message that used up its attempts on <c>qpay-ebarimt-poison</c>, where an operator finds it (it never expires).</summary>
    Task PoisonAsync(ReceiptMessage message, CancellationToken cancellationToken);
}

internal sealed class StorageReceiptQueue(StorageClients storage, IPoisonQueue poison, IOptions<EbarimtOptions> options) : IReceiptQueue
{
    public Task EnqueueAsync(ReceiptMessage message, TimeSpan delay, CancellationToken cancellationToken) =>
        storage.SendAsync(options.Value.Queue, Serialize(message), delay, cancellationToken);

    public Task PoisonAsync(ReceiptMessage message, CancellationToken cancellationToken) =>
        poison.KeepAsync(options.Value.Queue, Serialize(message), cancellationToken);

    private static string Serialize(ReceiptMessage message) => JsonSerializer.Serialize(message, ReceiptQueueJson.Default.ReceiptMessage);
}

[JsonSerializable(typeof(ReceiptMessage))]
internal sealed partial class ReceiptQueueJson : JsonSerializerContext;
