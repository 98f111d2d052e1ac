using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using QPay.Sandbox.State;

namespace QPay.Sandbox.Auth;

/// <summary>
/// Issues, rotates, checks and revokes tokens. Validity comes from the issued-token registry and the
/// injected clock, never from the JWT's <c>exp</c>, which carries QPay's quirk (<c>iat + expires_in</c>,
/// around the year 2082).
/// </summary>
internal sealed class TokenIssuer
{
    /// <summary>The refresh JWT's <c>exp</c> lies 4 h beyond <c>refresh_expires_in</c> in QPay's capture; the field wins.</summary>
    private const long RefreshJwtExtraSeconds = 14_400;

    private readonly SandboxOptions _options;
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly string _clientUuid;
    private readonly ConcurrentDictionary<string, IssuedToken> _live = new(StringComparer.Ordinal);

    public TokenIssuer(SandboxOptions options)
    {
        _options = options;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(options.ClientId));
        _clientUuid = new Guid(hash.AsSpan(0, 16)).ToString("D");
    }

    public bool CredentialsMatch(string clientId, string clientSecret) =>
        FixedTimeEquals(clientId, _options.ClientId) & FixedTimeEquals(clientSecret, _options.ClientSecret);

    public TokenResponse Issue()
    {
        var now = _options.Clock.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds();
        var expiresIn = issuedAt + (long)_options.TokenLifetime.TotalSeconds;
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expiresIn);
        PurgeExpired(now);

        var access = Jwt.Sign(
            new Dictionary<string, object>
            {
                ["client_id"] = _clientUuid,
                ["merchant_id"] = _options.MerchantId,
                ["v1_merchant_flag"] = false,
                ["session_id"] = Ids.Alnum(32),
                ["iat"] = issuedAt,
                ["exp"] = issuedAt + expiresIn,
            },
            _signingKey);
        var refresh = Jwt.Sign(
            new Dictionary<string, object>
            {
                ["id"] = _clientUuid,
                ["session_secret"] = "$2b$10$" + Ids.Alnum(53),
                ["extra"] = new Dictionary<string, object>(),
                ["iat"] = issuedAt,
                ["exp"] = issuedAt + expiresIn + RefreshJwtExtraSeconds,
            },
            _signingKey);

        _live[access] = new IssuedToken(TokenKind.Access, expiresAt);
        _live[refresh] = new IssuedToken(TokenKind.Refresh, expiresAt);
        return new TokenResponse("bearer", expiresIn, refresh, access, expiresIn, "get_token", "0", _options.SessionState);
    }

    /// <summary>A new token pair for a live refresh token, which dies at once (rotation); null for an unknown, used or expired one.</summary>
    public TokenResponse? Refresh(string refreshToken)
    {
        if (!_live.TryGetValue(refreshToken, out var issued) || issued.Kind != TokenKind.Refresh)
        {
            return null;
        }

        if (!_live.TryRemove(new KeyValuePair<string, IssuedToken>(refreshToken, issued)))
        {
            return null;
        }

        return issued.ExpiresAt > _options.Clock.GetUtcNow() ? Issue() : null;
    }

    public bool IsLiveAccessToken(string accessToken) =>
        _live.TryGetValue(accessToken, out var issued)
        && issued.Kind == TokenKind.Access
        && issued.ExpiresAt > _options.Clock.GetUtcNow();

    /// <summary>Revokes every access and refresh token issued so far; answers how many were live.</summary>
    public int RevokeAll()
    {
        var count = 0;
        foreach (var token in _live.Keys)
        {
            if (_live.TryRemove(token, out _))
            {
                count++;
            }
        }

        return count;
    }

    private void PurgeExpired(DateTimeOffset now)
    {
        foreach (var (token, issued) in _live)
        {
            if (issued.ExpiresAt <= now)
            {
                _live.TryRemove(new KeyValuePair<string, IssuedToken>(token, issued));
            }
        }
    }

    private static bool FixedTimeEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    private enum TokenKind
    {
        Access,
        Refresh,
    }

    private sealed record IssuedToken(TokenKind Kind, DateTimeOffset ExpiresAt);
}
