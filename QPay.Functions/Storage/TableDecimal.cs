using System.Globalization;

namespace QPay.Functions.Storage;

/// <summary>
/// Money in Table Storage, which has no decimal type: invariant decimal strings, so no amount is
/// ever rounded through a double.
/// </summary>
public static class TableDecimal
{
    public static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static decimal Parse(string value) => decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);
}
