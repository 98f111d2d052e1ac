using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Operations;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Storage;

namespace QPay.Functions.Functions;

/// <summary>
/// One reconciler visit of one session, on whichever instance takes the message. A visit's own
/// failures are answered by the index (the session is looked at again in a few minutes). A storage
/// failure throws: before the visit began, the queue's retry takes it up; after, the index hands the
/// session out again once the visit's hold ends. The last of maxDequeueCount attempts puts the message on
/// <c>qpay-reconcile-poison</c> itself (never to expire) and completes; the index hands its session out again
/// after its lease. Should that write fail, it throws and the runtime moves the message.
/// </summary>
public sealed class ReconcileQueueFunction(PaymentReconciler reconciler, AppQueues queues, IPoisonQueue poison, ILogger<ReconcileQueueFunction> logger)
{
    [Function(nameof(ReconcileSession))]
    public async Task ReconcileSession(
        [QueueTrigger(StorageNames.ReconcileQueue, Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
    {
        var visit = ReconcileMessage.Parse(message.Body.ToString())
            ?? throw new InvalidOperationException($"queue message {message.MessageId} is not {{sessionId, ticket}}");
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SessionId"] = visit.SessionId, ["DequeueCount"] = message.DequeueCount });
        try
        {
            await reconciler.VisitAsync(visit, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (message.DequeueCount < OrderCreationService.MaxDequeueCount)
            {
                Log.ReconcileMessageFailed(logger, exception, visit.SessionId, message.DequeueCount);
                throw;
            }

            Log.ReconcileMessagePoisoned(logger, exception, visit.SessionId, message.DequeueCount);
            await poison.KeepAsync(queues.Reconcile.Name, message.Body.ToString(), CancellationToken.None);
        }
    }
}
