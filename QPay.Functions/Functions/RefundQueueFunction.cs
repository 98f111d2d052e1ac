using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Operations;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Refunding;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Storage;

namespace QPay.Functions.Functions;

/// <summary>
/// Carries a session's refund on: started by the automatic cases, retried after QPay refused or
/// did not answer (the processor sends itself a delayed message). QPay's failures never throw;
/// a storage failure does, so the queue retries it; the last of maxDequeueCount attempts puts it on
/// <c>qpay-refunds-poison</c> itself (never to expire) and completes, and the reconciler's index still
/// finds the session. Should that write fail, it throws and the runtime moves the message.
/// </summary>
public sealed class RefundQueueFunction(RefundProcessor processor, IRefundQueue queue, AppQueues queues, IPoisonQueue poison, ILogger<RefundQueueFunction> logger)
{
    [Function(nameof(ProcessRefund))]
    public async Task ProcessRefund(
        [QueueTrigger(StorageNames.RefundQueue, Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
    {
        var sessionId = Parse(message);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SessionId"] = sessionId, ["DequeueCount"] = message.DequeueCount });
        try
        {
            var progress = await processor.ProcessAsync(sessionId);
            if (progress.Run == RefundRun.Busy)
            {
                // Another run holds the session; it may have read QPay's list before this message's payment: look again after it.
                await queue.EnqueueAsync(new RefundMessage(sessionId), BusyRetry, CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (message.DequeueCount < OrderCreationService.MaxDequeueCount)
            {
                Log.RefundMessageFailed(logger, exception, sessionId, message.DequeueCount);
                throw;
            }

            Log.RefundMessagePoisoned(logger, exception, sessionId, message.DequeueCount);
            await poison.KeepAsync(queues.Refunds.Name, message.Body.ToString(), CancellationToken.None);
        }
    }

    private static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(30);

    private static string Parse(QueueMessage message)
    {
        try
        {
            if (JsonSerializer.Deserialize(message.Body.ToString(), RefundQueueJson.Default.RefundMessage) is { SessionId.Length: > 0 } parsed)
            {
                return parsed.SessionId;
            }
        }
        catch (JsonException)
        {
        }

        throw new InvalidOperationException($"queue message {message.MessageId} is not {{sessionId}}");
    }
}
