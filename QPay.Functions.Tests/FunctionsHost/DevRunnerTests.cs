using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>
/// The dev runner as a developer runs it in place of <c>func start</c>:
/// <c>dotnet QPay.FunctionsHost.dll --app &lt;build output&gt; --port P --settings local.settings.json</c>.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class DevRunnerTests
{
    [Fact]
    public async Task The_dev_runner_prints_its_routes_serves_without_keys_and_stops_cleanly_on_SIGTERM()
    {
        LocalStack.EnsureRunning();
        var queueName = SmokeApp.NewQueueName();
        var port = LocalStack.FreePort();
        var settingsFile = Path.Combine(Path.GetTempPath(), $"smoke-settings-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(settingsFile, JsonSerializer.Serialize(new
        {
            IsEncrypted = false,
            Values = new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = LocalStack.StorageConnectionString,
                ["SmokeQueue"] = queueName,
                ["SmokeTimerSchedule"] = SmokeApp.YearlySchedule,
            },
        }));
        var output = new ConcurrentQueue<string>();
        using var runner = StartRunner(TestPaths.SmokeAppOutput, port, settingsFile, output);
        try
        {
            await Eventually.UntilAsync(
                () => output.Any(l => l.StartsWith("Serving on", StringComparison.Ordinal)) || runner.HasExited,
                "the dev runner to serve");
            Assert.False(runner.HasExited, string.Join(Environment.NewLine, output));
            Assert.Contains($"        Echo: [GET,POST] http://127.0.0.1:{port}/echo/{{name}}/{{id:int?}}", output);
            Assert.Contains($"        ProcessSmokeMessage: queueTrigger {queueName}", output);

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            using var keyed = await client.GetAsync("keyed");
            Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);

            using (var kill = Process.Start("kill", ["-TERM", runner.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var exit = new CancellationTokenSource(SmokeApp.Patience);
            await runner.WaitForExitAsync(exit.Token);
            Assert.Equal(0, runner.ExitCode);
            Assert.Contains("Stopping...", output);
        }
        finally
        {
            if (!runner.HasExited)
            {
                runner.Kill(entireProcessTree: true);
            }

            File.Delete(settingsFile);
            await SmokeApp.DeleteQueuesAsync(queueName);
        }
    }

    private static Process StartRunner(string app, int port, string settingsFile, ConcurrentQueue<string> output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            Path.Combine(TestPaths.FunctionsHostOutput, "QPay.FunctionsHost.dll"),
            "--app", app, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--settings", settingsFile,
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The dev runner did not start.");
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;

        void Add(string? line)
        {
            if (line is not null)
            {
                output.Enqueue(line);
            }
        }
    }
}
