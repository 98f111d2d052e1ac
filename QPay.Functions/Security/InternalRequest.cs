namespace QPay.Functions.Security;

/// <summary>
/// The second lock of the internal routes: besides the function key (checked by the Functions
/// host), callers must say <c>x-internal-request: true</c>, as the services of the seed did.
/// With INTERNAL_AUTH_MODE=EntraId a third follows: <see cref="InternalCallerAuthenticator"/>.
/// </summary>
public static class InternalRequest
{
    public const string HeaderName = "x-internal-request";
    public const string MissingHeaderMessage = "This internal endpoint requires the header 'x-internal-request: true'.";

    public static bool IsMarked(string? headerValue) =>
        string.Equals(headerValue?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
}
