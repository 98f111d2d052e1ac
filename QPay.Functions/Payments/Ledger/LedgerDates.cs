using System.Globalization;

namespace QPay.Functions.Payments.Ledger;

/// <summary>The ledger's days: UTC dates written <c>yyyy-MM-dd</c>.</summary>
public static class LedgerDates
{
    public const string Pattern = "yyyy-MM-dd";

    public static string Format(DateOnly date) => date.ToString(Pattern, CultureInfo.InvariantCulture);

    /// <summary>How far back a day may be checked.</summary>
    public const int MaxYearsBack = 10;

    /// <summary>A <c>yyyy-MM-dd</c> day that is not after today (UTC by <paramref name="clock"/>) nor more than <see cref="MaxYearsBack"/> years before it; null otherwise.</summary>
    public static DateOnly? ParsePast(string? text, TimeProvider clock) =>
        DateOnly.TryParseExact(text, Pattern, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
        && date <= Today(clock) && date >= Today(clock).AddYears(-MaxYearsBack)
            ? date
            : null;

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>The first instant of the UTC day.</summary>
    public static DateTimeOffset Start(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
