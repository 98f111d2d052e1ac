using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace QPay.Sandbox.Auth;

/// <summary>Reads the Authorization header's Basic credentials or Bearer token. Nothing here is ever logged.</summary>
internal static class AuthorizationHeader
{
    public static string? Bearer(HttpRequest request) =>
        Parameter(request, "Bearer") is { Length: > 0 } token ? token : null;

    public static (string ClientId, string ClientSecret)? Basic(HttpRequest request)
    {
        if (Parameter(request, "Basic") is not { Length: > 0 } encoded)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : (decoded[..colon], decoded[(colon + 1)..]);
    }

    private static string? Parameter(HttpRequest request, string scheme)
    {
        var header = request.Headers[HeaderNames.Authorization].ToString();
        return header.Length > scheme.Length + 1
               && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
               && header[scheme.Length] == ' '
            ? header[(scheme.Length + 1)..].Trim()
            : null;
    }
}
