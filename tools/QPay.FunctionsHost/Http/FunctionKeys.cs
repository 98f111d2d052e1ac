using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace QPay.FunctionsHost.Http;

/// <summary>
/// Function keys as Azure checks them: a route whose authLevel is not Anonymous needs the key in
/// the <c>x-functions-key</c> header or, without that header, the <c>code</c> query parameter.
/// With no key configured (the dev runner, like <c>func start</c>) every route is open.
/// </summary>
internal sealed class FunctionKeys(string? key)
{
    public const string HeaderName = "x-functions-key";
    private readonly byte[]? _expected = key is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public bool Required => _expected is not null;

    public bool IsAuthorized(string authLevel, HttpRequest request)
    {
        if (_expected is null || authLevel.Equals("Anonymous", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var presented = request.Headers[HeaderName].FirstOrDefault() is { Length: > 0 } header ? header : request.Query["code"].FirstOrDefault();
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        // Hashes have one length, so the comparison time says nothing about the key.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected);
    }
}
