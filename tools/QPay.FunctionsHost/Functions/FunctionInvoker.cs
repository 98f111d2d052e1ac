using System.Diagnostics;
using QPay.FunctionsHost.Queues;
using QPay.FunctionsHost.Rpc;

namespace QPay.FunctionsHost.Functions;

/// <summary>
/// Sends one <c>InvocationRequest</c> and waits for its response; on success writes the function's
/// queue outputs (the host writes them, not the worker). A failed output write fails the invocation.
/// </summary>
internal sealed class FunctionInvoker(WorkerChannel channel, QueueOutputWriter outputs)
{
    public async Task<InvocationResult> InvokeAsync(
        FunctionDefinition function,
        string invocationId,
        ParameterBinding trigger,
        IReadOnlyDictionary<string, TypedData> triggerMetadata,
        CancellationToken cancellationToken)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext
            {
                TraceParent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00",
                TraceState = string.Empty,
            },
        };
        request.InputData.Add(trigger);
        foreach (var (name, value) in triggerMetadata)
        {
            request.TriggerMetadata[name] = value;
        }

        var clock = Stopwatch.StartNew();
        var response = await channel.InvokeAsync(request, cancellationToken);
        if (response.Result.Status != StatusResult.Types.Status.Success)
        {
            var exception = response.Result.Exception;
            return new InvocationResult(
                function, invocationId, false,
                exception?.Message ?? $"The invocation ended with status {response.Result.Status}.",
                exception is null ? null : $"{exception.Type}: {exception.Message}{Environment.NewLine}{exception.StackTrace}",
                clock.Elapsed);
        }

        try
        {
            await outputs.WriteAsync(function, response, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new InvocationResult(function, invocationId, false, $"Writing the output bindings failed: {e.Message}", e.ToString(), clock.Elapsed);
        }

        return new InvocationResult(function, invocationId, true, null, null, clock.Elapsed);
    }
}

/// <summary>What an invocation came to, before the trigger adds its own details.</summary>
internal sealed record InvocationResult(
    FunctionDefinition Function,
    string InvocationId,
    bool Succeeded,
    string? ExceptionMessage,
    string? ExceptionDetails,
    TimeSpan Duration)
{
    public InvocationOutcome ToOutcome() =>
        new(Function.Name, InvocationId, Function.Trigger.Type, Succeeded, ExceptionMessage, Duration) { ExceptionDetails = ExceptionDetails };
}
