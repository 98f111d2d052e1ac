using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace QPay.Functions.Security;

/// <summary>The secret in QPay's callback URL, which QPay itself does not sign.</summary>
public interface IWebhookTokens
{
    /// <summary>Lowercase hex HMAC-SHA256 of the session id under the current key.</summary>
    string Create(string sessionId);

    /// <summary>Constant-time check against the current key, then the previous one (rotation).</summary>
    bool Verify(string sessionId, string? token);
}

/// <remarks>Keys are read from the options monitor on every call, so a rotation in Key Vault needs no restart.</remarks>
internal sealed class WebhookTokens(IOptionsMonitor<WebhookTokenOptions> options) : IWebhookTokens
{
    private const int TokenBytes = 32;
    private static readonly System.Buffers.SearchValues<char> LowercaseHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    public string Create(string sessionId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Keys()[0], Encoding.UTF8.GetBytes(sessionId)));

    public bool Verify(string sessionId, string? token)
    {
        // Exactly as issued: lowercase hex. An upper-cased token is another string, not the same token.
        if (token is not { Length: TokenBytes * 2 } || token.AsSpan().ContainsAnyExcept(LowercaseHex))
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[TokenBytes];
        if (Convert.FromHexString(token, presented, out _, out var written) != System.Buffers.OperationStatus.Done || written != TokenBytes)
        {
            return false;
        }

        var signed = Encoding.UTF8.GetBytes(sessionId);
        Span<byte> expected = stackalloc byte[TokenBytes];
        var match = false;
        foreach (var key in Keys())
        {
            HMACSHA256.HashData(key, signed, expected);
            // Every key is tried, so the time taken does not tell which one matched.
            match |= CryptographicOperations.FixedTimeEquals(expected, presented);
        }

        return match;
    }

    private byte[][] Keys()
    {
        var settings = options.CurrentValue;
        var keys = new[] { settings.Secret, settings.PreviousSecret }
            .Where(key => !string.IsNullOrEmpty(key))
            .Select(key => Encoding.UTF8.GetBytes(key!))
            .ToArray();

        // Fail closed: without a key no callback could ever be trusted.
        return keys.Length > 0 ? keys : throw new InvalidOperationException("QPAY_WEBHOOK_SECRET is required.");
    }
}
