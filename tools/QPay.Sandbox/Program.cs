using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using QPay.Sandbox.Hosting;

namespace QPay.Sandbox;

/// <summary>
/// Standalone run: <c>dotnet run --project tools/QPay.Sandbox</c> listens on http://127.0.0.1:7080
/// (<c>--urls</c> overrides); settings come from <c>--Sandbox:Key=value</c> or <c>Sandbox__Key</c>.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        SandboxOptions options;
        try
        {
            options = SandboxConfiguration.Read(configuration);
            options.LogRequests = true;
            options.Validate();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        await using var app = SandboxApp.Build(options, args);
        if (string.IsNullOrEmpty(app.Configuration["urls"]))
        {
            app.Urls.Add(SandboxApp.DefaultUrl);
        }

        await app.RunAsync();
        return 0;
    }
}
