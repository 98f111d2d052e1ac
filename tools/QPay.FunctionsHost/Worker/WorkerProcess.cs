using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using QPay.FunctionsHost.Hosting;

namespace QPay.FunctionsHost.Worker;

/// <summary>
/// The worker process, started as the Functions host starts it: the executable and dll named by
/// worker.config.json, with the host's gRPC endpoint, worker id and request id in both the legacy and
/// the <c>--functions-*</c> argument forms, and the app settings as environment variables. Its
/// stdout and stderr go to the log, and the recent lines are kept for start-up errors.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private const int MaxMessageLength = int.MaxValue;
    private const int KeptLines = 200;
    private const int HeadLines = 60;
    private const int TailLines = 40;
    private readonly Process _process;
    private readonly Queue<string> _stdout = new();
    private readonly Queue<string> _stderr = new();
    private readonly List<string> _stderrHead = [];
    private long _stderrTotal;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process) => _process = process;

    public string WorkerId { get; private init; } = string.Empty;

    /// <summary>Completes with the exit code when the process exits.</summary>
    public Task<int> Exited => _exited.Task;

    public int ProcessId => _process.Id;

    public static WorkerProcess Start(string appDirectory, Uri hostEndpoint, AppSettings settings, HostLog log)
    {
        var (executable, workerDll) = ReadWorkerConfig(appDirectory);
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        var maxLength = MaxMessageLength.ToString(CultureInfo.InvariantCulture);
        string[] arguments =
        [
            workerDll,
            "--host", hostEndpoint.Host, "--port", hostEndpoint.Port.ToString(CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", maxLength,
            "--functions-uri", hostEndpoint.ToString(), "--functions-worker-id", workerId,
            "--functions-request-id", requestId, "--functions-grpc-max-message-length", maxLength,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in settings.All)
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process) { WorkerId = workerId };
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data, HostLogSource.StandardOutput, log);
        process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data, HostLogSource.StandardError, log);
        process.Exited += (_, _) => worker.OnExited();
        if (!process.Start())
        {
            throw new FunctionsHostStartException($"Could not start the worker: {executable} {workerDll}.");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.Info($"Started worker process {process.Id}: {executable} {workerDll} (worker id {workerId})");
        return worker;
    }

    /// <summary>What the worker printed: the start of stderr (where an unhandled exception's message is), and the tails.</summary>
    public string DescribeOutput()
    {
        lock (_gate)
        {
            var text = new StringBuilder();
            if (_stderrTotal > 0)
            {
                text.AppendLine("--- worker stderr ---");
                foreach (var line in _stderrHead)
                {
                    text.AppendLine(line);
                }

                var tail = (int)Math.Min(TailLines, _stderrTotal - _stderrHead.Count);
                if (_stderrTotal - _stderrHead.Count > tail)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"... ({_stderrTotal - _stderrHead.Count - tail} lines) ...");
                }

                foreach (var line in _stderr.Skip(_stderr.Count - tail))
                {
                    text.AppendLine(line);
                }
            }

            if (_stdout.Count > 0)
            {
                text.AppendLine("--- worker stdout (last lines) ---");
                foreach (var line in _stdout.Skip(Math.Max(0, _stdout.Count - TailLines)))
                {
                    text.AppendLine(line);
                }
            }

            return text.Length == 0 ? "(the worker printed nothing)" : text.ToString();
        }
    }

    /// <summary>Waits for the exit; kills the whole process tree when it does not come in time.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_exited.Task.IsCompleted)
        {
            return;
        }

        if (await Task.WhenAny(_exited.Task, Task.Delay(grace)) != _exited.Task)
        {
            Kill();
            await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        _process.Dispose();
    }

    private static (string Executable, string WorkerDll) ReadWorkerConfig(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new FunctionsHostStartException(
                $"{path} is missing: AppDirectory must be the build output of an isolated-worker app (Microsoft.Azure.Functions.Worker.Sdk writes it).");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var description = document.RootElement.GetProperty("description");
        var executable = description.TryGetProperty("defaultExecutablePath", out var exe) ? exe.GetString() : null;
        var workerPath = description.TryGetProperty("defaultWorkerPath", out var dll) ? dll.GetString() : null;
        if (string.IsNullOrEmpty(workerPath))
        {
            throw new FunctionsHostStartException($"{path} has no description.defaultWorkerPath.");
        }

        if (string.IsNullOrEmpty(executable) || executable == "dotnet")
        {
            executable = DotnetHost();
        }

        return (executable, Path.GetFullPath(Path.Combine(appDirectory, workerPath)));
    }

    /// <summary>The dotnet muxer running this process when there is one, else the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    private void OnLine(string? line, HostLogSource source, HostLog log)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            var lines = source == HostLogSource.StandardError ? _stderr : _stdout;
            if (source == HostLogSource.StandardError && _stderrTotal++ < HeadLines)
            {
                _stderrHead.Add(line);
            }
            else
            {
                lines.Enqueue(line);
            }

            if (lines.Count > KeptLines)
            {
                lines.Dequeue();
            }
        }

        var level = source == HostLogSource.StandardError ? LogLevel.Error : LogLevel.Information;
        log.Add(new HostLogLine(DateTimeOffset.UtcNow, source, level, "Worker.Process", line));
    }

    private void OnExited()
    {
        int code;
        try
        {
            // Let the asynchronous readers drain the last lines before anyone reports them.
            _process.WaitForExit();
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }

        _exited.TrySetResult(code);
    }
}
