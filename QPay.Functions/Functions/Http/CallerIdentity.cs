using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Security;

namespace QPay.Functions.Functions.Http;

/// <summary>Extracts the caller's credentials from an HTTP request for the Security layer.</summary>
public static class CallerIdentity
{
    public const string CookieName = "access_token";

    public static Task<UserAuthentication> AuthenticateAsync(this IUserAuthenticator authenticator, HttpRequest request, CancellationToken cancellationToken) =>
        authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), request.Cookies[CookieName], cancellationToken);

    /// <summary>
    /// The one check of every internal route, after the host's function key: the
    /// <c>x-internal-request: true</c> header (403), then, with INTERNAL_AUTH_MODE=EntraId, the
    /// calling service's Entra ID token (401) and app role (403). Null when the caller may.
    /// </summary>
    public static async Task<IActionResult?> RefuseUnlessInternalAsync(this HttpRequest request, CancellationToken cancellationToken)
    {
        if (!InternalRequest.IsMarked(request.Headers[InternalRequest.HeaderName].ToString()))
        {
            return ApiError.NotInternal();
        }

        // Every request of the worker has its services; only a bare test context lacks them, and
        // it runs the default (FunctionKey) rule. With services, a missing authenticator is a
        // wiring fault: it throws (500) rather than let a caller in unchecked.
        if (request.HttpContext.RequestServices is not { } services)
        {
            return null;
        }

        var authenticator = services.GetRequiredService<IInternalCallerAuthenticator>();

        var verdict = await authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), cancellationToken);
        return verdict.Outcome switch
        {
            InternalCallerOutcome.Allowed => null,
            InternalCallerOutcome.Forbidden => ApiError.AppRoleRequired(verdict.Message!),
            _ => ApiError.InternalTokenRequired(request, verdict.Message!),
        };
    }
}
