using Microsoft.AspNetCore.Http;
using QPay.Functions.Security;

namespace QPay.Functions.Functions.Http;

/// <summary>Extracts the caller's credentials from an HTTP request for the Security layer.</summary>
public static class CallerIdentity
{
    public const string CookieName = "access_token";

    public static Task<UserAuthentication> AuthenticateAsync(this IUserAuthenticator authenticator, HttpRequest request, CancellationToken cancellationToken) =>
        authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), request.Cookies[CookieName], cancellationToken);

    public static bool IsInternal(this HttpRequest request) =>
        InternalRequest.IsMarked(request.Headers[InternalRequest.HeaderName].ToString());
}
