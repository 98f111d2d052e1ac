using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace QPay.FunctionsHost.SmokeApp;

/// <summary>
/// A queue trigger on the queue named by the SmokeQueue setting. The message
/// <c>{"id":"...","failUntil":N}</c> fails while its DequeueCount is below N, so N = 6 never
/// succeeds (maxDequeueCount is 5). Each attempt is logged; a success writes
/// <c>id:dequeueCount</c> to <c>&lt;SmokeQueue&gt;-done</c> (a return-value output).
/// </summary>
public sealed class QueueFunction(ILogger<QueueFunction> logger)
{
    [Function(nameof(ProcessSmokeMessage))]
    [QueueOutput("%SmokeQueue%-done")]
    public string ProcessSmokeMessage([QueueTrigger("%SmokeQueue%")] QueueMessage message)
    {
        var request = JsonSerializer.Deserialize<SmokeMessage>(message.MessageText, JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("Empty smoke message");
        logger.LogInformation("Smoke message {Id} attempt {DequeueCount}", request.Id, message.DequeueCount);
        if (message.DequeueCount < request.FailUntil)
        {
            throw new InvalidOperationException($"Smoke message {request.Id} fails on attempt {message.DequeueCount}");
        }

        return $"{request.Id}:{message.DequeueCount}";
    }

    public sealed record SmokeMessage(string Id, int FailUntil);
}
