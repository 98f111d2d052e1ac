using System.Text.RegularExpressions;

namespace QPay.FunctionsHost.Hosting;

/// <summary>
/// Hides a function key passed as <c>?code=</c> in any captured line (the host's own, the
/// worker's RpcLog and console output): a URL with its query must never carry the key into a log.
/// </summary>
internal static partial class FunctionKeyRedaction
{
    public const string Redacted = "REDACTED";

    /// <summary><c>GET /route?a=1&amp;code=k3y</c> becomes <c>GET /route?a=1&amp;code=REDACTED</c>; <c>barcode=</c> and <c>code</c> outside a query are left alone.</summary>
    public static string Redact(string line) =>
        line.Contains("code=", StringComparison.OrdinalIgnoreCase) ? CodeValue().Replace(line, Redacted) : line;

    // The value runs to the next parameter, fragment, space or quote, as a URL in a sentence or JSON ends there.
    [GeneratedRegex(@"(?<=[?&]code=)[^&#\s""'<>]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CodeValue();
}
