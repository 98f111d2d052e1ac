using QPay.FunctionsHost.Functions;
using QPay.FunctionsHost.Hosting;
using QPay.FunctionsHost.Rpc;

namespace QPay.FunctionsHost.Timers;

/// <summary>
/// One timer-triggered function: fires on its schedule (never overlapping itself, as the Timer
/// extension's singleton does), once at start when <c>runOnStartup</c> is set, and on demand.
/// The trigger value is the <c>TimerInfo</c> JSON the host sends.
/// </summary>
internal sealed class TimerTrigger(FunctionDefinition function, TimerSchedule schedule, FunctionInvoker invoker, InvocationOutcomes outcomes, HostLog log)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private DateTime? _last;

    public string Schedule => schedule.Expression;

    public async Task RunScheduleAsync(CancellationToken stop)
    {
        try
        {
            if (function.Trigger.Flag("runOnStartup"))
            {
                await FireAsync(isPastDue: false, stop);
            }

            while (!stop.IsCancellationRequested)
            {
                var next = schedule.Next(DateTime.UtcNow);
                // In steps of at most a day: Task.Delay takes no more than ~49 days, a yearly schedule more.
                for (var wait = next - DateTime.UtcNow; wait > TimeSpan.Zero; wait = next - DateTime.UtcNow)
                {
                    await Task.Delay(wait < TimeSpan.FromDays(1) ? wait : TimeSpan.FromDays(1), stop);
                }

                await FireAsync(isPastDue: false, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception e)
        {
            log.Error($"{function.Name}: the timer stopped: {e.Message}");
        }
    }

    public async Task<InvocationOutcome> FireAsync(bool isPastDue, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var now = DateTime.UtcNow;
            var timerInfo = new
            {
                Schedule = new { AdjustForDST = true },
                ScheduleStatus = new { Last = _last ?? DateTime.MinValue, Next = schedule.Next(now), LastUpdated = now },
                IsPastDue = isPastDue,
            };
            _last = now;
            var result = await invoker.InvokeAsync(
                function,
                Guid.NewGuid().ToString(),
                new ParameterBinding { Name = function.Trigger.Name, Data = TypedDataConvert.Json(timerInfo) },
                new Dictionary<string, TypedData>(),
                cancellationToken);
            var outcome = result.ToOutcome();
            outcomes.Publish(outcome);
            return outcome;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}
