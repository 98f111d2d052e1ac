using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace QPay.Functions.Hosting;

/// <summary>
/// Turns an unexpected exception of an HTTP function into a bare ProblemDetails 500, so no stack
/// trace or internal message reaches a caller. Expected outcomes are results, not exceptions.
/// </summary>
internal sealed class HttpExceptionMiddleware(ILogger<HttpExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (context.GetHttpContext() is { Response.HasStarted: false } http)
        {
            Log.UnhandledHttpException(logger, exception, context.FunctionDefinition.Name);
            http.Response.Clear();
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await http.Response.WriteAsJsonAsync(
                new { type = "about:blank", title = "Internal Server Error", status = 500, traceId = context.InvocationId },
                options: null,
                contentType: "application/problem+json");
        }
    }
}
