using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace QPay.FunctionsHost.SmokeApp;

/// <summary>A timer on the schedule named by the SmokeTimerSchedule setting.</summary>
public sealed class TimerFunction(ILogger<TimerFunction> logger)
{
    [Function(nameof(SmokeTimer))]
    public void SmokeTimer([TimerTrigger("%SmokeTimerSchedule%")] TimerInfo timer)
    {
        logger.LogInformation("Smoke timer fired (past due: {IsPastDue}, next: {Next})", timer.IsPastDue, timer.ScheduleStatus?.Next);
    }
}
