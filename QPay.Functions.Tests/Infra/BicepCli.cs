using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Infra;

/// <summary>
/// The Bicep CLI the test project downloads from NuGet (PackageDownload
/// Azure.Bicep.CommandLine.linux-x64), run against the repository's infra/ folder. No network:
/// the templates use local modules only.
/// </summary>
internal static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly Lazy<Task<JsonObject>> CompiledMain = new(() => CompileAsync("main.bicep"));

    public static string InfraDirectory { get; } = TestPaths.InRepository("infra");

    public static string Executable { get; } =
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCli").Value
        ?? throw new InvalidOperationException("Assembly metadata BicepCli is missing.");

    /// <summary>main.bicep compiled to ARM JSON once per test run (modules become nested deployments).</summary>
    public static Task<JsonObject> MainTemplateAsync() => CompiledMain.Value;

    /// <param name="environment">Variables to set for the CLI; a null value removes the variable.</param>
    public static async Task<BicepResult> RunAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException(
                $"The Bicep CLI is not at {Executable}. Run `dotnet restore QPay.Functions.Tests` (it is a PackageDownload of that project).");
        }

        EnsureExecutable();
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = InfraDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry, no update checks: the CLI must not reach for the network.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bicep did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        return new BicepResult(process.ExitCode, await stdout, await stderr);
    }

    private static async Task<JsonObject> CompileAsync(string file)
    {
        var result = await RunAsync(["build", file, "--stdout"]);
        Assert.True(result.ExitCode == 0, $"bicep build {file} failed:\n{result.Output}");
        Assert.True(result.StandardError.Trim().Length == 0, $"bicep build {file} reported:\n{result.StandardError}");
        return JsonNode.Parse(result.StandardOutput)!.AsObject();
    }

    private static void EnsureExecutable()
    {
        // NuGet does not always keep the executable bit of package files. The package is linux-x64 only.
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The Bicep CLI package the tests download is linux-x64.");
        }

        var mode = File.GetUnixFileMode(Executable);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(Executable, mode | UnixFileMode.UserExecute);
        }
    }
}

internal sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => $"{StandardOutput}{StandardError}".Trim();
}
