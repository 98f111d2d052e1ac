using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using QPay.FunctionsHost.Functions;
using QPay.FunctionsHost.Hosting;
using QPay.FunctionsHost.Rpc;

namespace QPay.FunctionsHost.Http;

/// <summary>
/// Runs one HTTP invocation the way the Functions host does for a worker with ASP.NET Core
/// integration: forwards the request to the worker's own HTTP endpoint (its <c>HttpUri</c>
/// capability) with <c>x-ms-invocation-id</c>, and at the same time sends the InvocationRequest with
/// an empty <c>RpcHttp</c> as the trigger value and the route values, <c>Query</c> and
/// <c>Headers</c> as trigger metadata. The worker pairs both by the invocation id and answers the
/// forwarded request; that answer goes back to the client.
/// </summary>
internal sealed class WorkerHttpProxy(Uri workerHttpUri, FunctionInvoker invoker, InvocationOutcomes outcomes, HostLog log) : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(15),
    });

    public Uri WorkerHttpUri => workerHttpUri;

    public async Task ForwardAsync(HttpContext context, HttpRouteMatch match)
    {
        var function = match.Route.Function;
        var invocationId = Guid.NewGuid().ToString();
        using var request = CreateRequest(context, invocationId);
        using var forwardingAborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);

        // The forwarded request goes first, then the invocation; the worker pairs both halves.
        var forwarding = ForwardAndBufferAsync(request, forwardingAborted.Token);
        var invoking = invoker.InvokeAsync(
            function,
            invocationId,
            new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { Http = new RpcHttp() } },
            Metadata(context, match),
            context.RequestAborted);

        InvocationResult result;
        try
        {
            // A failed invocation answers 500 whatever the worker wrote, as in Azure. Its answer is
            // buffered meanwhile, so a large body cannot hold up the invocation's end.
            if (await Task.WhenAny(forwarding, invoking) == invoking && !(await invoking).Succeeded)
            {
                await forwardingAborted.CancelAsync();
            }

            result = await invoking;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // The client went away; the invocation was cancelled.
        }
        catch (InvalidOperationException e)
        {
            // The worker's stream closed (it exited): no outcome, as no invocation finished.
            log.Error($"{function.Name}: invocation {invocationId} did not finish: {e.Message}");
            await forwardingAborted.CancelAsync();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        using var response = await forwarding.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
        if (forwarding.Exception?.GetBaseException() is { } forwardingError and not OperationCanceledException)
        {
            log.Error($"{function.Name}: forwarding invocation {invocationId} to the worker at {workerHttpUri} failed: {forwardingError.Message}");
        }

        int status;
        if (!result.Succeeded || response is null)
        {
            status = StatusCodes.Status500InternalServerError;
            context.Response.StatusCode = status;
        }
        else
        {
            status = (int)response.StatusCode;
            await CopyResponseAsync(response, context);
        }

        outcomes.Publish(result.ToOutcome() with { HttpStatusCode = status });
    }

    public void Dispose() => _client.Dispose();

    private async Task<HttpResponseMessage> ForwardAndBufferAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await _client.SendAsync(request, cancellationToken);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private HttpRequestMessage CreateRequest(HttpContext context, string invocationId)
    {
        var incoming = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw && raw.StartsWith('/')
            ? raw
            : incoming.Path.ToUriComponent() + incoming.QueryString.ToUriComponent();
        var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(workerHttpUri, target));
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            request.Content = new StreamContent(incoming.Body);
        }

        foreach (var (name, values) in incoming.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        request.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value);
        request.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
        return request;
    }

    private static async Task CopyResponseAsync(HttpResponseMessage response, HttpContext context)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>Route values as strings; Query and Headers as JSON objects (a repeated name joined with commas).</summary>
    private static Dictionary<string, TypedData> Metadata(HttpContext context, HttpRouteMatch match)
    {
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal);
        foreach (var (name, value) in match.Values)
        {
            if (value?.ToString() is { } text)
            {
                metadata[name] = TypedDataConvert.String(text);
            }
        }

        metadata["Query"] = new TypedData
        {
            Json = JsonSerializer.Serialize(context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString())),
        };
        metadata["Headers"] = new TypedData
        {
            Json = JsonSerializer.Serialize(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString())),
        };
        return metadata;
    }
}
