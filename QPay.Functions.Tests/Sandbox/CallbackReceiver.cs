using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QPay.Functions.Tests.Sandbox;

/// <summary>A tiny Kestrel merchant endpoint on a free loopback port that records every call and answers as told.</summary>
internal sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedCall> _calls;

    private CallbackReceiver(WebApplication app, ConcurrentQueue<ReceivedCall> calls, Uri baseUrl)
    {
        _app = app;
        _calls = calls;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public IReadOnlyList<ReceivedCall> Calls => _calls.ToList();

    /// <summary>Starts a receiver answering <paramref name="status"/> with the plain-text <paramref name="body"/> (QPay wants 200 SUCCESS).</summary>
    public static async Task<CallbackReceiver> StartAsync(int status = 200, string body = "SUCCESS")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var calls = new ConcurrentQueue<ReceivedCall>();
        app.Run(async context =>
        {
            calls.Enqueue(new ReceivedCall(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.Authorization.ToString(),
                context.Request.Headers.Keys.Where(k => k.StartsWith("X-", StringComparison.OrdinalIgnoreCase)).ToList()));
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new CallbackReceiver(app, calls, new Uri(address));
    }

    public string Url(string pathAndQuery) => new Uri(BaseUrl, pathAndQuery).ToString();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record ReceivedCall(string Method, string Path, string Query, string Authorization, IReadOnlyList<string> CustomHeaders);
