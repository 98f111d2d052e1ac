using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Auth;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Api.Auth;

/// <summary><c>POST /v2/auth/token</c> (HTTP Basic) and <c>POST /v2/auth/refresh</c> (Bearer refresh token, rotated).</summary>
internal static class AuthEndpoints
{
    public static IResult Token(HttpRequest request, TokenIssuer tokens, SandboxOptions options)
    {
        if (AuthorizationHeader.Basic(request) is not { } credentials)
        {
            return QPayErrors.NoCredentials(options);
        }

        return tokens.CredentialsMatch(credentials.ClientId, credentials.ClientSecret)
            ? Results.Json(tokens.Issue(), SandboxJson.QPay)
            : QPayErrors.AuthenticationFailed();
    }

    public static IResult Refresh(HttpRequest request, TokenIssuer tokens, SandboxOptions options) =>
        AuthorizationHeader.Bearer(request) is { } refreshToken && tokens.Refresh(refreshToken) is { } renewed
            ? Results.Json(renewed, SandboxJson.QPay)
            : QPayErrors.NoCredentials(options);
}
