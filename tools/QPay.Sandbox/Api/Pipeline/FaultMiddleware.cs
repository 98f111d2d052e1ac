using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Hosting;

namespace QPay.Sandbox.Api.Pipeline;

/// <summary>
/// Applies the next pending fault of the called endpoint: a delay, then either an error answer, or the
/// normal work with its answer thrown away and the connection aborted (a reply lost in transit), or the
/// normal answer with a pause in the middle of its body (a reply that stalls after its headers).
/// </summary>
internal sealed class FaultMiddleware(RequestDelegate next, FaultInjector faults, SandboxOptions options, ILogger<FaultMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EndpointKey>() is not { } key || faults.Take(key.Key) is not { } fault)
        {
            await next(context);
            return;
        }

        Log.FaultApplied(logger, key.Key, fault.Status, fault.DelayMs, fault.Drop);
        if (fault.DelayMs > 0)
        {
            try
            {
                await Task.Delay(fault.DelayMs, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
        }

        if (fault.Status is { } status)
        {
            await QPayErrors.ForFault(status, fault.Error, options).ExecuteAsync(context);
            return;
        }

        if (fault.StallBodyMs > 0)
        {
            await StallBodyAsync(context, fault.StallBodyMs);
            return;
        }

        if (!fault.Drop)
        {
            await next(context);
            return;
        }

        var body = context.Response.Body;
        context.Response.Body = Stream.Null;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }

        context.Abort();
    }

    private async Task StallBodyAsync(HttpContext context, int stallMs)
    {
        var body = context.Response.Body;
        using var answer = new MemoryStream();
        context.Response.Body = answer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }

        var bytes = answer.ToArray();
        context.Response.ContentLength = bytes.Length;
        var half = bytes.Length / 2;
        try
        {
            await body.WriteAsync(bytes.AsMemory(0, half), context.RequestAborted);
            await body.FlushAsync(context.RequestAborted);
            await Task.Delay(stallMs, context.RequestAborted);
            await body.WriteAsync(bytes.AsMemory(half), context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up waiting, as it should.
        }
    }
}
