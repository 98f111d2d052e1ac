using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace QPay.FunctionsHost.SmokeApp;

/// <summary>HTTP triggers: what arrived (route, query, header, body), an app setting, a keyed route and a failure.</summary>
public sealed class HttpFunctions
{
    /// <summary>Echoes the request as the worker saw it, so tests can compare both ends.</summary>
    [Function(nameof(Echo))]
    public static async Task<IActionResult> Echo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "echo/{name}/{id:int?}")] HttpRequest request,
        string name,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        JsonElement? body = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, cancellationToken: cancellationToken);
        }

        return new OkObjectResult(new
        {
            Method = request.Method,
            Name = name,
            Id = context.BindingContext.BindingData.TryGetValue("id", out var id) ? id?.ToString() : null,
            Path = request.Path.Value,
            Query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            SmokeHeader = request.Headers["x-smoke"].ToString(),
            Body = body,
            context.InvocationId,
        });
    }

    /// <summary>An app setting as the worker process sees it (the host passes settings as environment variables).</summary>
    [Function(nameof(Setting))]
    public static IActionResult Setting(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "setting/{name}")] HttpRequest request,
        string name) =>
        new OkObjectResult(new { Name = name, Value = Environment.GetEnvironmentVariable(name) });

    /// <summary>A Function-level route: the host answers 401 without the key and never invokes it.</summary>
    [Function(nameof(Keyed))]
    public static IActionResult Keyed(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "keyed")] HttpRequest request) =>
        new OkObjectResult(new { Keyed = true });

    /// <summary>Throws, so the invocation fails.</summary>
    [Function(nameof(Fail))]
    public static IActionResult Fail(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fail")] HttpRequest request) =>
        throw new InvalidOperationException("Smoke failure requested");
}
