using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using QPay.FunctionsHost.Functions;
using QPay.FunctionsHost.Hosting;
using QPay.FunctionsHost.Http;
using QPay.FunctionsHost.Queues;
using QPay.FunctionsHost.Rpc;
using QPay.FunctionsHost.Timers;
using QPay.FunctionsHost.Worker;

namespace QPay.FunctionsHost;

/// <summary>
/// A small Functions host for one compiled isolated-worker app: starts the worker process, plays
/// the host side of the Functions gRPC protocol (start stream, init, metadata, load, invocations)
/// and triggers the functions: HTTP on 127.0.0.1 (proxied to the worker's ASP.NET Core endpoint),
/// storage queues, and timers. For end-to-end tests and the local dev runner; not a production host.
/// </summary>
public sealed class FunctionsHost : IAsyncDisposable
{
    private const string HostVersion = "4.1037.0";
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(5);

    private readonly FunctionsHostOptions _options;
    private readonly HostLog _log;
    private readonly InvocationOutcomes _outcomes = new();
    private readonly HostStorageCounter _storage = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _background = [];
    private readonly Dictionary<string, TimerTrigger> _timers = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<HostedFunction> _functions = [];
    private WorkerChannel? _channel;
    private RpcServer? _rpc;
    private WorkerProcess? _worker;
    private WorkerHttpProxy? _proxy;
    private HttpFront? _front;
    private int _disposed;

    private FunctionsHost(FunctionsHostOptions options)
    {
        _options = options;
        _log = new HostLog(options.OnLog);
    }

    /// <summary>The HTTP base address, <c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri BaseAddress => _front?.BaseAddress ?? throw new InvalidOperationException("The host is not started.");

    /// <summary>A snapshot of the captured log: the worker's RpcLog lines, its stdout/stderr, and the host's own.</summary>
    public IReadOnlyList<HostLogLine> Logs => _log.Snapshot();

    /// <summary>A snapshot of the finished invocations, oldest first.</summary>
    public IReadOnlyList<InvocationOutcome> Invocations => _outcomes.Snapshot();

    /// <summary>
    /// The storage requests the host itself has sent so far (queue polling, message deletes and
    /// renewals, queue outputs), apart from the worker's own; this host's timers use no storage.
    /// </summary>
    public HostStorageRequests StorageRequests => _storage.Snapshot();

    /// <summary>The functions served, as the dev runner prints them.</summary>
    public IReadOnlyList<HostedFunction> Functions => _functions;

    /// <summary>The worker's process id.</summary>
    public int WorkerProcessId => _worker?.ProcessId ?? throw new InvalidOperationException("The host is not started.");

    /// <summary>Completes with the exit code when the worker process exits (the dev runner stops then).</summary>
    internal Task<int> WorkerExited => _worker?.Exited ?? Task.FromResult(-1);

    /// <summary>Raised after each invocation, once its outputs are written and its queue message settled.</summary>
    public event EventHandler<InvocationOutcome>? InvocationCompleted
    {
        add => _outcomes.Published += value;
        remove => _outcomes.Published -= value;
    }

    /// <summary>Starts the worker and the triggers; throws <see cref="FunctionsHostStartException"/> with the worker's output when it does not start.</summary>
    public static async Task<FunctionsHost> StartAsync(FunctionsHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = new FunctionsHost(options);
        try
        {
            await host.StartCoreAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>The first invocation outcome, already finished or still to come, that matches.</summary>
    public Task<InvocationOutcome> WaitForInvocationAsync(Func<InvocationOutcome, bool> match, CancellationToken cancellationToken = default) =>
        _outcomes.WaitAsync(match, cancellationToken);

    /// <summary>Fires a timer-triggered function now, whatever its schedule, and returns its outcome.</summary>
    public Task<InvocationOutcome> RunTimerAsync(string functionName, CancellationToken cancellationToken = default)
    {
        if (!_timers.TryGetValue(functionName, out var timer))
        {
            throw new ArgumentException($"No timer-triggered function is named '{functionName}'.", nameof(functionName));
        }

        return timer.FireAsync(isPastDue: false, cancellationToken);
    }

    /// <summary>Stops the triggers, sends WorkerTerminate, then kills the worker's process tree if it is still running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_front is not null)
        {
            await _front.DisposeAsync();
        }

        await Task.WhenAny(Task.WhenAll(_background), Task.Delay(TimeSpan.FromSeconds(10)));
        if (_worker is not null)
        {
            if (_channel is not null && !_worker.Exited.IsCompleted && _channel.Started.IsCompletedSuccessfully)
            {
                try
                {
                    _channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(TerminateGrace) } });
                }
                catch (InvalidOperationException)
                {
                    // The stream is already closed.
                }
            }

            await _worker.StopAsync(TerminateGrace + TimeSpan.FromSeconds(1));
            await _worker.DisposeAsync();
        }

        _channel?.Close(new ObjectDisposedException(nameof(FunctionsHost)));
        if (_rpc is not null)
        {
            await _rpc.DisposeAsync();
        }

        _proxy?.Dispose();
        _stopping.Dispose();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var appDirectory = Path.GetFullPath(_options.AppDirectory);
        if (!Directory.Exists(appDirectory))
        {
            throw new FunctionsHostStartException($"The app directory {appDirectory} does not exist: build the functions app first.");
        }

        var hostJson = HostJson.Load(appDirectory);

        // Bound before the worker starts: the port is ours from here on, and settings may name it.
        _front = await HttpFront.ListenAsync(_options.HttpPort, cancellationToken);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in _options.Settings)
        {
            values[name] = value;
        }

        _options.ConfigureSettings?.Invoke(_front.BaseAddress, values);
        var settings = new AppSettings(values);
        _channel = new WorkerChannel(_log);
        _rpc = await RpcServer.StartAsync(_channel, cancellationToken);
        _worker = WorkerProcess.Start(appDirectory, _rpc.Endpoint, settings, _log);
        var worker = _worker;
        var channel = _channel;
        _ = worker.Exited.ContinueWith(
            exited =>
            {
                if (Volatile.Read(ref _disposed) == 0)
                {
                    _log.Error($"The worker process exited with code {exited.Result}.");
                }

                channel.Close(new InvalidOperationException($"The worker process exited with code {exited.Result}."));
            },
            TaskScheduler.Default);

        using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        startup.CancelAfter(_options.StartupTimeout);

        await StepAsync("waiting for the worker to connect (StartStream)", channel.Started, startup.Token);
        var init = (await StepAsync(
            "initializing the worker (WorkerInitRequest)",
            channel.RequestAsync(new StreamingMessage
            {
                WorkerInitRequest = new WorkerInitRequest { HostVersion = HostVersion, FunctionAppDirectory = appDirectory, WorkerDirectory = appDirectory },
            }, startup.Token),
            startup.Token)).WorkerInitResponse;
        EnsureSuccess(init.Result, "WorkerInitRequest");

        var indexed = (await StepAsync(
            "indexing the functions (FunctionsMetadataRequest)",
            channel.RequestAsync(new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } }, startup.Token),
            startup.Token)).FunctionMetadataResponse;
        EnsureSuccess(indexed.Result, "FunctionsMetadataRequest");
        if (indexed.UseDefaultMetadataIndexing)
        {
            throw new FunctionsHostStartException("The worker asked for host indexing (functions.metadata); this host supports worker indexing only.");
        }

        var functions = new List<FunctionDefinition>();
        foreach (var metadata in indexed.FunctionMetadataResults)
        {
            var loaded = (await StepAsync(
                $"loading function {metadata.Name} (FunctionLoadRequest)",
                channel.RequestAsync(new StreamingMessage { FunctionLoadRequest = new FunctionLoadRequest { FunctionId = metadata.FunctionId, Metadata = metadata } }, startup.Token),
                startup.Token)).FunctionLoadResponse;
            EnsureSuccess(loaded.Result, $"FunctionLoadRequest for {metadata.Name}");
            functions.Add(FunctionDefinition.From(metadata));
        }

        var queues = new QueueClients(settings, hostJson.Queues, _storage);
        var invoker = new FunctionInvoker(channel, new QueueOutputWriter(queues, _log));
        StartHttpProxy(init, functions, invoker);
        if (_proxy is not null)
        {
            // The worker reports HttpUri before its Kestrel listens; a request forwarded too early is
            // refused while its invocation waits 15 s for it, so the host is started only once it listens.
            await StepAsync("waiting for the worker's HTTP endpoint", WaitUntilListeningAsync(_proxy.WorkerHttpUri, startup.Token), startup.Token);
        }

        var routes = _front.Serve(functions, hostJson.RoutePrefix, new FunctionKeys(_options.FunctionKey), _proxy,
            new CorsPolicy(_options.CorsAllowedOrigins, _options.CorsAllowCredentials));
        foreach (var route in routes.Routes)
        {
            var methods = route.Methods is null ? "ALL" : string.Join(',', route.Methods);
            _functions.Add(new HostedFunction(route.Function.Name, route.Function.Trigger.Type, $"[{methods}] {_front.BaseAddress}{route.Template}"));
        }

        foreach (var function in functions)
        {
            try
            {
                StartTrigger(function, settings, queues, hostJson, invoker);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
            {
                // E.g. a %Setting% that is not set, or a schedule that does not parse.
                throw new FunctionsHostStartException($"Function {function.Name} cannot be triggered: {e.Message}", e);
            }
        }

        _log.Info($"Host started on {_front.BaseAddress} with {functions.Count} functions.");
    }

    private void StartHttpProxy(WorkerInitResponse init, List<FunctionDefinition> functions, FunctionInvoker invoker)
    {
        if (init.Capabilities.TryGetValue("HttpUri", out var httpUri) && Uri.TryCreate(httpUri, UriKind.Absolute, out var workerHttp))
        {
            _proxy = new WorkerHttpProxy(workerHttp, invoker, _outcomes, _log);
        }
        else if (functions.Any(f => f.Trigger.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase)))
        {
            throw new FunctionsHostStartException(
                "The worker reported no HttpUri capability. This host proxies HTTP triggers only to workers with ASP.NET Core " +
                "integration (ConfigureFunctionsWebApplication).");
        }
    }

    private static async Task<bool> WaitUntilListeningAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    private void StartTrigger(FunctionDefinition function, AppSettings settings, QueueClients queues, HostJson hostJson, FunctionInvoker invoker)
    {
        var trigger = function.Trigger;
        if (trigger.Type.Equals("queueTrigger", StringComparison.OrdinalIgnoreCase))
        {
            var usedBy = $"the queue trigger of {function.Name}";
            var queueName = queues.QueueName(trigger["queueName"], usedBy);
            var listener = new QueueTriggerListener(
                function,
                queues.Raw(trigger["connection"], queueName, usedBy),
                queues.Raw(trigger["connection"], queueName + "-poison", usedBy),
                _options.QueueVisibilityTimeout is { } visibility ? hostJson.Queues with { VisibilityTimeout = visibility } : hostJson.Queues,
                _options.MaxQueuePollingInterval ?? hostJson.Queues.MaxPollingInterval,
                invoker,
                _outcomes,
                _storage,
                _log);
            _functions.Add(new HostedFunction(function.Name, trigger.Type, $"queueTrigger {queueName}"));
            if (_options.EnableQueueTriggers)
            {
                _background.Add(Task.Run(() => listener.RunAsync(_stopping.Token)));
            }
        }
        else if (trigger.Type.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase))
        {
            var usedBy = $"the timer trigger of {function.Name}";
            var schedule = TimerSchedule.Parse(settings.Resolve(trigger["schedule"] ?? throw new InvalidOperationException($"{usedBy} has no schedule."), usedBy));
            var timer = new TimerTrigger(function, schedule, invoker, _outcomes, _log);
            _timers[function.Name] = timer;
            _functions.Add(new HostedFunction(function.Name, trigger.Type, $"timerTrigger {schedule.Expression}"));
            if (_options.EnableTimerSchedules)
            {
                _background.Add(Task.Run(() => timer.RunScheduleAsync(_stopping.Token)));
            }
        }
        else if (!trigger.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase))
        {
            _functions.Add(new HostedFunction(function.Name, trigger.Type, $"{trigger.Type} (not triggered by this host)"));
            _log.Warn($"{function.Name}: {trigger.Type} is not supported by this host; the function is loaded but never triggered.");
        }
    }

    /// <summary>Awaits one start-up step; when the worker exits or the step times out, says so with the worker's output.</summary>
    private async Task<T> StepAsync<T>(string step, Task<T> task, CancellationToken timeout)
    {
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (Exception e) when (_worker!.Exited.IsCompleted)
        {
            var code = await _worker.Exited;
            throw new FunctionsHostStartException(
                $"The worker process exited with code {code} while {step}.{Environment.NewLine}{_worker.DescribeOutput()}", e);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
        {
            throw new FunctionsHostStartException(
                $"The worker did not finish {step} within {_options.StartupTimeout}.{Environment.NewLine}{_worker!.DescribeOutput()}", e);
        }
    }

    private static void EnsureSuccess(StatusResult? result, string step)
    {
        if (result is null || result.Status == StatusResult.Types.Status.Success)
        {
            return;
        }

        var exception = result.Exception;
        throw new FunctionsHostStartException(
            $"The worker answered {step} with {result.Status}: {exception?.Message}{Environment.NewLine}{exception?.StackTrace}");
    }
}
