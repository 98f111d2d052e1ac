namespace QPay.Functions.Security;

/// <summary>The token of an <c>Authorization: Bearer &lt;token&gt;</c> header.</summary>
internal static class BearerToken
{
    public static string? From(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        const string scheme = "Bearer ";
        var value = header.Trim();
        return value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && value.Length > scheme.Length
            ? value[scheme.Length..].Trim()
            : null;
    }
}
