using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.Operations;

namespace QPay.Functions.Functions;

/// <summary>
/// The operators' poison queues (internal: function key + <c>x-internal-request: true</c>): what
/// waits in each, and the replay of a bounded number of messages back to their queue.
/// </summary>
public sealed class PoisonFunctions(PoisonMessages poison, AppQueues queues)
{
    [Function(nameof(ListPoisonMessages))]
    public async Task<IActionResult> ListPoisonMessages(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "order/api/internal/payments/qpay/poison")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (peek, badPeek) = QueryNumber.Read(request, "peek", PoisonMessages.DefaultPeek, PoisonMessages.MaxPeek);
        if (badPeek is not null)
        {
            return badPeek;
        }

        return new OkObjectResult(new PoisonListAnswer(true, await poison.ListAsync(peek, cancellationToken)));
    }

    [Function(nameof(ReplayPoisonMessages))]
    public async Task<IActionResult> ReplayPoisonMessages(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "order/api/internal/payments/qpay/poison/replay")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (body, error) = await JsonBody.ReadAsync(request, PoisonJsonContext.Default.PoisonReplayRequest, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (queues.Find(body!.Queue) is not { } queue)
        {
            return ApiError.BadRequest($"queue is required: one of {string.Join(", ", queues.All.Select(q => q.Alias))} (or the queue's name).", "queue");
        }

        var max = body.Max ?? PoisonMessages.MaxReplay;
        if (max is < 1 or > PoisonMessages.MaxReplay)
        {
            return ApiError.BadRequest($"max must be a whole number from 1 to {PoisonMessages.MaxReplay}.", "max");
        }

        var replay = await poison.ReplayAsync(queue, max, cancellationToken);
        return new OkObjectResult(new ReplayAnswer(true, queue.Name, replay.Replayed, replay.Remaining));
    }

    public sealed record PoisonListAnswer(bool Ok, IReadOnlyList<PoisonQueueView> Queues);

    public sealed record ReplayAnswer(bool Ok, string Queue, int Replayed, int Remaining);
}

/// <summary>The replay body: <c>{queue, max?}</c>.</summary>
public sealed class PoisonReplayRequest
{
    [JsonPropertyName("queue")] public string? Queue { get; set; }
    [JsonPropertyName("max")] public int? Max { get; set; }
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PoisonReplayRequest))]
internal sealed partial class PoisonJsonContext : JsonSerializerContext;
