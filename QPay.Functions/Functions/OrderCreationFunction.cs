using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Storage;

namespace QPay.Functions.Functions;

/// <summary>
/// Turns a verified invoice into orders. Exceptions escape so the queue retries; after host.json's
/// maxDequeueCount attempts the runtime moves the message to <c>qpay-order-creation-poison</c>,
/// and the last failure is logged as an error with the session and invoice ids.
/// </summary>
public sealed class OrderCreationFunction(OrderCreationService orders, ILogger<OrderCreationFunction> logger)
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
            if (message.DequeueCount >= OrderCreationService.MaxDequeueCount)
            {
                Log.OrderCreationPoisoned(logger, exception, request.SessionId, request.InvoiceId, message.DequeueCount);
            }
            else
            {
                Log.OrderCreationFailed(logger, exception, request.SessionId, request.InvoiceId, message.DequeueCount);
            }

            throw;
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
