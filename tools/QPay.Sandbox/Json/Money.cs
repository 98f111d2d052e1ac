using System.Globalization;

namespace QPay.Sandbox.Json;

/// <summary>QPay's two money spellings: decimal strings ("2500.00") and bare JSON numbers (2500).</summary>
internal static class Money
{
    public static string Text(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>The value without trailing zeros, so it serializes as <c>2500</c>, not <c>2500.0000</c>.</summary>
    public static decimal Number(decimal value) =>
        decimal.Parse(value.ToString("0.############################", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>ISO-8601 UTC with milliseconds, as QPay writes dates.</summary>
    public static string Date(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
