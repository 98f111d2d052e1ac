using Microsoft.AspNetCore.Http;

namespace QPay.FunctionsHost.Http;

/// <summary>
/// CORS as the Functions host does it from local.settings.json <c>Host.CORS</c> (a comma-separated list
/// of origins, <c>*</c> for any) and <c>Host.CORSCredentials</c>: an allowed origin gets the
/// Access-Control headers on every answer, and its preflight (OPTIONS with Access-Control-Request-Method)
/// is answered 204 here without reaching a function. Other origins get no CORS headers.
/// </summary>
internal sealed class CorsPolicy(IReadOnlyList<string> origins, bool allowCredentials)
{
    private readonly HashSet<string> _origins = origins.Select(o => o.Trim().TrimEnd('/')).Where(o => o.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public static CorsPolicy None { get; } = new([], false);

    /// <summary>Adds the headers for an allowed origin; true when the request was a preflight and is answered.</summary>
    public bool Apply(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || !(_origins.Contains(origin) || _origins.Contains("*")))
        {
            return false;
        }

        var headers = context.Response.Headers;
        // With credentials the browser needs the origin itself, never "*".
        headers.AccessControlAllowOrigin = _origins.Contains(origin) || allowCredentials ? origin : "*";
        headers.Vary = "Origin";
        if (allowCredentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }

        var requestedMethod = context.Request.Headers.AccessControlRequestMethod.ToString();
        if (HttpMethods.IsOptions(context.Request.Method) && requestedMethod.Length > 0)
        {
            headers.AccessControlAllowMethods = requestedMethod;
            if (context.Request.Headers.AccessControlRequestHeaders.ToString() is { Length: > 0 } requestedHeaders)
            {
                headers.AccessControlAllowHeaders = requestedHeaders;
            }

            headers.AccessControlMaxAge = "600";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return true;
        }

        headers.AccessControlExposeHeaders = "Retry-After";
        return false;
    }
}
