using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Operations;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Storage;

namespace QPay.Functions.Functions;

/// <summary>
/// Issues or cancels one payment's e-receipt. QPay's failures are retried by the issuer itself (a
/// delayed message, then the poison queue); a storage failure throws, so the queue retries it (a retry
/// that meets the failed attempt's lease comes back when the lease ends). The last of maxDequeueCount
/// attempts puts the message on <c>qpay-ebarimt-poison</c> itself (never to expire) and completes; should
/// that write fail, it throws and the runtime moves the message.
/// </summary>
public sealed class ReceiptQueueFunction(ReceiptIssuer issuer, AppQueues queues, IPoisonQueue poison, ILogger<ReceiptQueueFunction> logger)
{
    [Function(nameof(IssueReceipt))]
    public async Task IssueReceipt(
        [QueueTrigger(StorageNames.EbarimtQueue, Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
    {
        var receipt = Parse(message);
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["SessionId"] = receipt.SessionId,
            ["PaymentId"] = receipt.PaymentId,
            ["DequeueCount"] = message.DequeueCount,
        });
        try
        {
            await issuer.ProcessAsync(receipt);
        }
        catch (Exception exception) when (message.DequeueCount >= OrderCreationService.MaxDequeueCount
            && (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            Log.ReceiptMessagePoisoned(logger, exception, receipt.SessionId, receipt.PaymentId, message.DequeueCount);
            await poison.KeepAsync(queues.Receipts.Name, message.Body.ToString(), CancellationToken.None);
        }
    }

    private static ReceiptMessage Parse(QueueMessage message)
    {
        try
        {
            if (JsonSerializer.Deserialize(message.Body.ToString(), ReceiptQueueJson.Default.ReceiptMessage) is { SessionId.Length: > 0, PaymentId.Length: > 0 } parsed)
            {
                return parsed;
            }
        }
        catch (JsonException)
        {
        }

        throw new InvalidOperationException($"queue message {message.MessageId} is not {{sessionId, paymentId}}");
    }
}
