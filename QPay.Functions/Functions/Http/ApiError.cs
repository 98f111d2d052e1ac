using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace QPay.Functions.Functions.Http;

/// <summary>
/// The body of every 4xx/5xx answer of the API: a stable code, a sentence for humans, and the
/// JSON path of the field at fault when there is one.
/// </summary>
public sealed record ApiError(string Error, string Message, string? Field = null)
{
    public static IActionResult Result(int status, string error, string message, string? field = null) =>
        new ObjectResult(new ApiError(error, message, field)) { StatusCode = status };

    public static IActionResult BadRequest(string message, string? field = null) =>
        Result(StatusCodes.Status400BadRequest, "VALIDATION_FAILED", message, field);

    public static IActionResult Unauthorized(string message) =>
        Result(StatusCodes.Status401Unauthorized, "UNAUTHORIZED", message);

    /// <summary>429 with Retry-After (whole seconds) and a message saying what was limited.</summary>
    public static IActionResult TooManyRequests(HttpRequest request, Payments.RateLimiting.RateLimitDecision decision, string what)
    {
        var seconds = (int)Math.Ceiling(decision.RetryAfter.TotalSeconds);
        request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Result(StatusCodes.Status429TooManyRequests, "RATE_LIMITED", $"Too many {what}; retry after {seconds} s.");
    }

    /// <summary>401 to an internal call without a valid Entra ID token of the calling service (INTERNAL_AUTH_MODE=EntraId).</summary>
    public static IActionResult InternalTokenRequired(HttpRequest request, string message)
    {
        request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Unauthorized(message);
    }

    /// <summary>403 to an internal call whose valid token lacks the app role (INTERNAL_AUTH_MODE=EntraId).</summary>
    public static IActionResult AppRoleRequired(string message) =>
        Result(StatusCodes.Status403Forbidden, "APP_ROLE_REQUIRED", message);

    public static IActionResult NotInternal() =>
        Result(StatusCodes.Status403Forbidden, "FORBIDDEN", Security.InternalRequest.MissingHeaderMessage);
}
