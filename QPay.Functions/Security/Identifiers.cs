using System.Text.RegularExpressions;

namespace QPay.Functions.Security;

/// <summary>
/// What an id from outside (user, product, shop, address, coupon code) may look like. Ids become
/// Table Storage keys and log fields, so control characters, '/', '\', '#', '?' and markup are out.
/// </summary>
public static partial class Identifiers
{
    public const int MaxLength = 128;
    public const string Rule = "1-128 characters of letters, digits and . _ : @ -";

    public static bool IsValid(string? value) => value is not null && SafeId().IsMatch(value);

    [GeneratedRegex(@"^[A-Za-z0-9._:@\-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeId();
}
