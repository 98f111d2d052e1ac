using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Hosting;

namespace QPay.Sandbox.Api.Pipeline;

/// <summary>
/// Applies the next pending fault of the called endpoint: a delay, then either an error answer, or the
/// normal work with its answer thrown away and the connection aborted (a reply lost in transit).
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
}
