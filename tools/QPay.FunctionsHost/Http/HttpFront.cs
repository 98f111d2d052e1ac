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
/// </summary>
internal sealed class HttpFront : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpFront(WebApplication app, Uri baseAddress, HttpRouteTable routes)
    {
        _app = app;
        BaseAddress = baseAddress;
        Routes = routes;
    }

    public Uri BaseAddress { get; }

    public HttpRouteTable Routes { get; }

    public static async Task<HttpFront> StartAsync(
        int port,
        IReadOnlyList<FunctionDefinition> functions,
        string routePrefix,
        FunctionKeys keys,
        WorkerHttpProxy? proxy,
        CancellationToken cancellationToken)
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
        var routes = HttpRouteTable.Build(functions, routePrefix, app.Services.GetRequiredService<IInlineConstraintResolver>());
        app.Run(async context =>
        {
            if (routes.Match(context) is not { } match)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (!keys.IsAuthorized(match.Route.AuthLevel, context.Request))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            if (proxy is null)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            await proxy.ForwardAsync(context, match);
        });

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
        return new HttpFront(app, new Uri($"http://127.0.0.1:{new Uri(address).Port}/"), routes);
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
}
