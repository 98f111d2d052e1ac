using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QPay.Sandbox.Api;
using QPay.Sandbox.Api.Pipeline;
using QPay.Sandbox.Auth;
using QPay.Sandbox.Callbacks;
using QPay.Sandbox.Control;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Stats;

namespace QPay.Sandbox.Hosting;

/// <summary>Builds the sandbox web app; shared by the standalone run and <see cref="QPaySandbox.StartAsync"/>.</summary>
internal static class SandboxApp
{
    public const string DefaultUrl = "http://127.0.0.1:7080";

    public static WebApplication Build(SandboxOptions options, string[] args)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SandboxApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.Logging.ClearProviders();
        if (options.LogRequests)
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            });
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
            builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        }

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<SandboxState>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<FaultInjector>();
        builder.Services.AddSingleton<CallStats>();
        builder.Services.AddSingleton<CallbackSender>();
        var ebarimtRegisteredAtStart = options.EbarimtRegistered;
        builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<SandboxResetter>(services, new SandboxStartSettings(ebarimtRegisteredAtStart)));

        var app = builder.Build();
        if (options.LogRequests)
        {
            app.UseMiddleware<RequestLogMiddleware>();
        }

        app.UseRouting();
        app.UseMiddleware<StatsMiddleware>();
        app.UseMiddleware<FaultMiddleware>();
        app.UseMiddleware<AccessTokenMiddleware>();
        app.MapQPayApi();
        app.MapControlApi();
        return app;
    }
}
