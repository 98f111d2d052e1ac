using System.Globalization;
using NCrontab;

namespace QPay.FunctionsHost.Timers;

/// <summary>
/// A timer trigger's schedule: an NCronTab expression (six fields with seconds, or five) or a
/// constant interval such as <c>00:05:00</c>, as the Timer extension accepts. Times are UTC.
/// </summary>
internal sealed class TimerSchedule
{
    private readonly CrontabSchedule? _cron;
    private readonly TimeSpan? _interval;

    private TimerSchedule(string expression, CrontabSchedule? cron, TimeSpan? interval)
    {
        Expression = expression;
        _cron = cron;
        _interval = interval;
    }

    public string Expression { get; }

    public static TimerSchedule Parse(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is 5 or 6)
        {
            return new TimerSchedule(
                expression,
                CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = fields == 6 }),
                null);
        }

        if (TimeSpan.TryParse(expression, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return new TimerSchedule(expression, null, interval);
        }

        throw new FormatException($"'{expression}' is neither an NCronTab expression nor a positive TimeSpan.");
    }

    public DateTime Next(DateTime afterUtc) =>
        _cron is not null ? _cron.GetNextOccurrence(afterUtc) : afterUtc + _interval!.Value;
}
