using System.Text.Json.Serialization;

namespace QPay.Sandbox.Auth;

/// <summary>The body of <c>POST /v2/auth/token</c> and <c>/v2/auth/refresh</c>; both expiries are absolute epoch seconds.</summary>
internal sealed record TokenResponse(
    string TokenType,
    long RefreshExpiresIn,
    string RefreshToken,
    string AccessToken,
    long ExpiresIn,
    string Scope,
    [property: JsonPropertyName("not-before-policy")] string NotBeforePolicy,
    string SessionState);
