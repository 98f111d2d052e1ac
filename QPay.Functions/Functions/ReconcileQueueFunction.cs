using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Storage;

namespace QPay.Functions.Functions;

/// <summary>
/// One reconciler visit of one session, on whichever instance takes the message. A visit's own
/// failures are answered by the index (the session is looked at again in a few minutes). A storage
/// failure throws: before the visit began, the queue's retry takes it up; after, the index hands the
/// session out again once the visit's hold ends. A message failing maxDequeueCount times moves to
/// <c>qpay-reconcile-poison</c>, and the index hands its session out again after its lease.
/// </summary>
public sealed class ReconcileQueueFunction(PaymentReconciler reconciler, ILogger<ReconcileQueueFunction> logger)
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
            Log.ReconcileMessageFailed(logger, exception, visit.SessionId, message.DequeueCount);
            throw;
        }
    }
}
