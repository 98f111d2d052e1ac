using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>Timer triggers: fired on demand whatever the schedule, and on their NCronTab schedule.</summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class TimerTriggerTests : IAsyncLifetime
{
    private readonly string _queueName = SmokeApp.NewQueueName();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => SmokeApp.DeleteQueuesAsync(_queueName);

    [Fact]
    public async Task RunTimerAsync_fires_a_timer_now_whatever_its_schedule()
    {
        await using var host = await SmokeApp.StartAsync(_queueName, timerSchedule: SmokeApp.YearlySchedule);

        var outcome = await host.RunTimerAsync(SmokeApp.TimerFunction);

        Assert.True(outcome.Succeeded, outcome.ExceptionDetails);
        Assert.Equal("timerTrigger", outcome.TriggerType);
        await Eventually.UntilAsync(
            () => host.Logs.Any(l => l.InvocationId == outcome.InvocationId && l.Message.StartsWith("Smoke timer fired (past due: False", StringComparison.Ordinal)),
            "the timer function's log line");
    }

    [Fact]
    public async Task A_timer_fires_on_its_schedule()
    {
        await using var host = await SmokeApp.StartAsync(_queueName, timerSchedule: "*/1 * * * * *");

        await Eventually.UntilAsync(
            () => host.Invocations.Count(o => o.FunctionName == SmokeApp.TimerFunction && o.Succeeded) >= 2,
            "two scheduled runs of the every-second timer");
    }

    [Fact]
    public async Task RunTimerAsync_refuses_a_function_that_is_not_a_timer()
    {
        await using var host = await SmokeApp.StartAsync(_queueName);

        await Assert.ThrowsAsync<ArgumentException>(() => host.RunTimerAsync("Echo"));
    }
}
