using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using QPay.FunctionsHost;
using QPay.FunctionsHost.DevRunner;

// The dev runner: serves a built functions app on 127.0.0.1 the way `func start` does, where Azure
// Functions Core Tools cannot be installed. Settings come from local.settings.json Values (the
// app directory's, or --settings), and variables already in the environment win, as with func.
// No function keys are required unless --key is given. Ctrl-C or SIGTERM stops it cleanly.
DevRunnerArguments arguments;
try
{
    arguments = DevRunnerArguments.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(DevRunnerArguments.Usage);
    return 2;
}

var appDirectory = Path.GetFullPath(arguments.AppDirectory);
var settingsPath = arguments.SettingsFile ?? Path.Combine(appDirectory, "local.settings.json");
var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
int? settingsPort = null;
IReadOnlyList<string> corsOrigins = [];
var corsCredentials = false;
if (File.Exists(settingsPath))
{
    var file = LocalSettingsFile.Read(settingsPath);
    settingsPort = file.LocalHttpPort;
    (corsOrigins, corsCredentials) = (file.CorsOrigins, file.CorsCredentials);
    foreach (var (name, value) in file.Values)
    {
        if (Environment.GetEnvironmentVariable(name) is not null)
        {
            Console.WriteLine($"Skipping '{name}' from {Path.GetFileName(settingsPath)}: it is already set in the environment.");
        }
        else
        {
            settings[name] = value;
        }
    }
}
else if (arguments.SettingsFile is not null)
{
    Console.Error.WriteLine($"{settingsPath} does not exist.");
    return 2;
}

// func start runs the app as Development unless told otherwise.
if (Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT") is null && !settings.ContainsKey("AZURE_FUNCTIONS_ENVIRONMENT"))
{
    settings["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

FunctionsHost host;
try
{
    host = await FunctionsHost.StartAsync(
        new FunctionsHostOptions
        {
            AppDirectory = appDirectory,
            HttpPort = arguments.Port ?? settingsPort ?? 7071,
            Settings = settings,
            FunctionKey = arguments.FunctionKey,
            CorsAllowedOrigins = corsOrigins,
            CorsAllowCredentials = corsCredentials,
            OnLog = Print,
        },
        stop.Token);
}
catch (FunctionsHostStartException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
catch (OperationCanceledException)
{
    return 130;
}

await using (host)
{
    Console.WriteLine();
    Console.WriteLine("Functions:");
    Console.WriteLine();
    foreach (var function in host.Functions)
    {
        Console.WriteLine($"        {function.Name}: {function.Detail}");
        Console.WriteLine();
    }

    Console.WriteLine($"Serving on {host.BaseAddress} (worker process {host.WorkerProcessId}). Ctrl-C to stop.");
    var stopped = Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    // Ctrl-C in a terminal reaches the worker too, which may exit a moment before we hear of it.
    if (await Task.WhenAny(stopped, host.WorkerExited) == host.WorkerExited
        && await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(1))) != stopped)
    {
        Console.Error.WriteLine($"The worker process exited with code {await host.WorkerExited}; stopping.");
        return 1;
    }

    Console.WriteLine("Stopping...");
}

return 0;

static void Print(HostLogLine line)
{
    // The worker's own ASP.NET Core chatter (each proxied request, data protection keys) stays in
    // the captured log; the console shows the functions' logs, warnings and errors.
    var quiet = line.Source == HostLogSource.Worker && line.Category.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) && line.Level < LogLevel.Warning;
    if (quiet || (line.Level < LogLevel.Information && line.Source != HostLogSource.StandardOutput))
    {
        return;
    }

    var time = line.Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
    var text = line.Source switch
    {
        HostLogSource.Worker => $"[{time}] {line.Message}",
        HostLogSource.StandardOutput or HostLogSource.StandardError => $"[{time}] worker: {line.Message}",
        _ => $"[{time}] host: {line.Message}",
    };
    (line.Level >= LogLevel.Error ? Console.Error : Console.Out).WriteLine(text);
}
