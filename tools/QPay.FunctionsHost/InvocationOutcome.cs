namespace QPay.FunctionsHost;

/// <summary>
/// One finished invocation, published once the host has done everything it does after it: written
/// the output bindings and, for a queue trigger, deleted the message, made it visible again or
/// moved it to the poison queue.
/// </summary>
public sealed record InvocationOutcome(
    string FunctionName,
    string InvocationId,
    string TriggerType,
    bool Succeeded,
    string? ExceptionMessage,
    TimeSpan Duration)
{
    /// <summary>The worker's exception (type, message and stack trace) when the invocation failed.</summary>
    public string? ExceptionDetails { get; init; }

    /// <summary>The queue message id (queue triggers).</summary>
    public string? QueueMessageId { get; init; }

    /// <summary>The message's dequeue count for this attempt (queue triggers).</summary>
    public long? DequeueCount { get; init; }

    /// <summary>True when this failure moved the message to <c>&lt;queue&gt;-poison</c>.</summary>
    public bool MovedToPoisonQueue { get; init; }

    /// <summary>The status code the worker answered (HTTP triggers).</summary>
    public int? HttpStatusCode { get; init; }
}
