using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Operations;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Storage;

namespace QPay.Functions.Functions;

/// <summary>
/// Turns a verified invoice into orders. Exceptions escape so the queue retries; the last of host.json's
/// maxDequeueCount attempts is logged as an error with the session and invoice ids and puts the message on
/// <c>qpay-order-creation-poison</c> itself, never to expire, then completes. Should that write fail, it throws
/// and the runtime moves the message (a 7-day copy, which <see cref="PoisonKeeperFunction"/> keeps).
/// </summary>
public sealed class OrderCreationFunction(OrderCreationService orders, AppQueues queues, IPoisonQueue poison, ILogger<OrderCreationFunction> logger)
{
    [Function(nameof(CreateOrders))]
    public async Task CreateOrders(
        [QueueTrigger(StorageNames.OrderCreationQueue, Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
    {
        var request = Parse(message);
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["SessionId"] = request.SessionId,
            ["InvoiceId"] = request.InvoiceId,
            ["DequeueCount"] = message.DequeueCount,
        });
        try
        {
            await orders.CreateOrdersAsync(request, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            if (message.DequeueCount < OrderCreationService.MaxDequeueCount)
            {
                Log.OrderCreationFailed(logger, exception, request.SessionId, request.InvoiceId, message.DequeueCount);
                throw;
            }

            Log.OrderCreationPoisoned(logger, exception, request.SessionId, request.InvoiceId, message.DequeueCount);
            await poison.KeepAsync(queues.Orders.Name, message.Body.ToString(), CancellationToken.None);
        }
    }

    private static OrderCreationMessage Parse(QueueMessage message)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize(message.Body.ToString(), OrderJsonContext.Default.OrderCreationMessage);
            if (parsed is { SessionId.Length: > 0, InvoiceId.Length: > 0 })
            {
                return parsed;
            }
        }
        catch (JsonException)
        {
        }

        throw new OrderCreationException($"queue message {message.MessageId} is not {{sessionId, invoiceId}}");
    }
}
