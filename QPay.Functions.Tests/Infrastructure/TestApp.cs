using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QPay.Functions.Hosting;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>
/// Builds the app's host with the very start-up code of Program.cs, on given settings only (the
/// test process's environment does not leak in). Without a Functions host endpoint the host is
/// never run; its container serves the services and functions under test.
/// </summary>
internal static class TestApp
{
    public static IHost Build(IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(LocalSettings.Values(overrides));
        // The worker's gRPC client is built when the host starts; start-up validation runs first,
        // so tests of a failing start-up never reach this (unused) endpoint.
        builder.Configuration["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9/";
        builder.ConfigureFunctionsWebApplication();
        builder.AddQPayBackend();
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}
