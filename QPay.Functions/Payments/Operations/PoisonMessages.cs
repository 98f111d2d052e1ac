using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Security;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Operations;

/// <summary>A poison message as operators see it: its ids only (the app's messages hold ids, never a secret).</summary>
public sealed record PoisonMessageView(string MessageId, DateTimeOffset? InsertedOn, long DequeueCount, string? SessionId, string? InvoiceId, string? PaymentId, string Queue);

/// <summary>One poison queue: about how many messages wait, and the first few.</summary>
public sealed record PoisonQueueView(string Alias, string Queue, string PoisonQueue, int ApproximateCount, IReadOnlyList<PoisonMessageView> Messages);

public sealed record PoisonReplay(int Replayed, int Remaining);

/// <summary>
/// The poison queues of <see cref="AppQueues"/>: a look at each (count and a peek, nothing taken),
/// and the replay of a bounded number of messages to their main queue, each recorded in its session's
/// audit trail. The queue clients carry the app's base64 message encoding (<see cref="StorageClients"/>),
/// so a body is moved exactly as the host wrote it.
/// </summary>
public sealed class PoisonMessages(StorageClients storage, AppQueues queues, ReceiptService receipts, IPaymentAudit audit, ILogger<PoisonMessages> logger)
{
    public const int MaxPeek = 32;   // Queue Storage's limit for one peek
    public const int DefaultPeek = 10;
    public const int MaxReplay = 32; // and for one receive

    /// <summary>How long a message taken for replay stays hidden: if this call dies before deleting it, it reappears in the poison queue.</summary>
    private static readonly TimeSpan ReplayVisibility = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<PoisonQueueView>> ListAsync(int peek, CancellationToken cancellationToken)
    {
        var views = await Task.WhenAll(queues.All.Select(q => ViewAsync(q, peek, cancellationToken))).ConfigureAwait(false);
        return views;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> messages of the queue's poison queue and puts each back on the queue.
    /// Each is sent before it is deleted: a crash between the two leaves a duplicate, which every consumer
    /// tolerates (order creation rewrites the same orders, a refund or an e-receipt row keeps it to once, a
    /// reconcile visit runs only for its ticket); deleting first could lose it.
    /// </summary>
    public async Task<PoisonReplay> ReplayAsync(AppQueue queue, int max, CancellationToken cancellationToken)
    {
        var poison = storage.QueueService.GetQueueClient(queue.PoisonName);
        if (!await poison.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return new PoisonReplay(0, 0);
        }

        var replayed = 0;
        while (replayed < max)
        {
            var messages = (await poison.ReceiveMessagesAsync(max - replayed, ReplayVisibility, cancellationToken).ConfigureAwait(false)).Value;
            if (messages.Length == 0)
            {
                break;
            }

            foreach (var message in messages)
            {
                // Past the receive, no cancellation: a message taken is moved, not left hidden for a minute.
                var (sessionId, invoiceId, paymentId) = Ids(message.Body);
                if (queue.Alias == AppQueues.Ebarimt && sessionId is not null)
                {
                    // A poisoned e-receipt's row is FAILED, and the issuer takes only PENDING rows: the message alone
                    // would do nothing. The retry route's path sets the session's failed receipts PENDING and queues them.
                    await receipts.RetryFailedAsync(sessionId, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await storage.SendAsync(queue.Name, message.Body.ToString(), TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
                }

                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
                replayed++;
                if (sessionId is null)
                {
                    Log.PoisonMessageWithoutSession(logger, message.MessageId, queue.PoisonName);
                    continue;
                }

                audit.Record(sessionId, new PaymentEvent(PaymentEventTypes.PoisonReplayed, Source: PaymentMetrics.Sources.Admin, PaymentId: paymentId, InvoiceId: invoiceId, Detail: queue.Name));
            }
        }

        var remaining = await CountAsync(poison, CancellationToken.None).ConfigureAwait(false);
        Log.PoisonReplayed(logger, replayed, queue.PoisonName, queue.Name, remaining);
        return new PoisonReplay(replayed, remaining);
    }

    private async Task<PoisonQueueView> ViewAsync(AppQueue queue, int peek, CancellationToken cancellationToken)
    {
        var poison = storage.QueueService.GetQueueClient(queue.PoisonName);
        try
        {
            var count = await CountAsync(poison, cancellationToken).ConfigureAwait(false);
            var peeked = (await poison.PeekMessagesAsync(peek, cancellationToken).ConfigureAwait(false)).Value;
            var messages = peeked.Select(m =>
            {
                var (sessionId, invoiceId, paymentId) = Ids(m.Body);
                return new PoisonMessageView(m.MessageId, m.InsertedOn, m.DequeueCount, sessionId, invoiceId, paymentId, queue.Name);
            }).ToList();
            return new PoisonQueueView(queue.Alias, queue.Name, queue.PoisonName, count, messages);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The host creates a poison queue with its first message: none yet.
            return new PoisonQueueView(queue.Alias, queue.Name, queue.PoisonName, 0, []);
        }
    }

    private static async Task<int> CountAsync(QueueClient queue, CancellationToken cancellationToken) =>
        (await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;

    /// <summary>The ids a message of the app names (every message has sessionId; order messages an invoiceId, e-receipt ones a paymentId); only well-formed ids are shown.</summary>
    private static (string? SessionId, string? InvoiceId, string? PaymentId) Ids(BinaryData body)
    {
        try
        {
            using var json = JsonDocument.Parse(body.ToMemory());
            return json.RootElement.ValueKind == JsonValueKind.Object
                ? (Id(json.RootElement, "sessionId"), Id(json.RootElement, "invoiceId"), Id(json.RootElement, "paymentId"))
                : (null, null, null);
        }
        catch (JsonException)
        {
            return (null, null, null);
        }

        static string? Id(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && Identifiers.IsValid(value.GetString()) ? value.GetString() : null;
    }
}
