using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QPay.FunctionsHost.Functions;

namespace QPay.FunctionsHost.Http;

/// <summary>
/// The public HTTP endpoint on 127.0.0.1: matches each request to a function route (404 when none),
/// checks the function key (401), and hands the request to the worker through the proxy.
/// It listens before the worker starts (so the port is known, and held, while the worker's settings
/// are built) and answers 503 until <see cref="Serve"/> hands it the functions.
/// </summary>
internal sealed class HttpFront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private CorsPolicy _cors = CorsPolicy.None;
    private volatile Serving? _serving;

    private HttpFront(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public HttpRouteTable Routes => _serving?.Routes ?? throw new InvalidOperationException("The front does not serve functions yet.");

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> (0 picks a free port, see <see cref="BaseAddress"/>).</summary>
    public static async Task<HttpFront> ListenAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddRouting();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        HttpFront? front = null;
        app.Run(context => front!.HandleAsync(context));

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new FunctionsHostStartException($"Cannot listen on 127.0.0.1:{port}: {e.Message}", e);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        front = new HttpFront(app, new Uri($"http://127.0.0.1:{new Uri(address).Port}/"));
        return front;
    }

    /// <summary>Starts routing requests to the HTTP-triggered functions.</summary>
    public HttpRouteTable Serve(IReadOnlyList<FunctionDefinition> functions, string routePrefix, FunctionKeys keys, WorkerHttpProxy? proxy, CorsPolicy? cors = null)
    {
        _cors = cors ?? CorsPolicy.None;
        var routes = HttpRouteTable.Build(functions, routePrefix, _app.Services.GetRequiredService<IInlineConstraintResolver>());
        _serving = new Serving(routes, keys, proxy);
        return routes;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Requests still open are cut.
        }

        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (_serving is not { } serving)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("The host is starting.");
            return;
        }

        if (_cors.Apply(context))
        {
            return; // a preflight, answered
        }

        if (serving.Routes.Match(context) is not { } match)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!serving.Keys.IsAuthorized(match.Route.AuthLevel, context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        if (serving.Proxy is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        await serving.Proxy.ForwardAsync(context, match);
    }

    private sealed record Serving(HttpRouteTable Routes, FunctionKeys Keys, WorkerHttpProxy? Proxy);
}
