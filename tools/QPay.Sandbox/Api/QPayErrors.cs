using System.Globalization;
using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Api;

/// <summary>One field's complaint inside a nested validation error.</summary>
internal sealed record FieldError(string Type, string Message);

/// <summary>QPay's error bodies: <c>{"error":CODE,"message":TEXT}</c>, or an object of field errors in both.</summary>
internal static class QPayErrors
{
    public const string InvoiceAlreadyCanceledText = "Нэхэмжлэл аль хэдийн цуцлагдсан байна";
    private const string NoCredentialsProductionText = "Хандах эрхгүй байна. Нэвтрэнэ үү.";

    public static IResult Error(int status, string code, string? message = null) =>
        Results.Json(new ErrorBody(code, message ?? code), SandboxJson.QPay, statusCode: status);

    /// <summary>The nested 400: <c>{"error":{field:{type,message}},"message":{same}}</c>.</summary>
    public static IResult Validation(IReadOnlyDictionary<string, FieldError> fields) =>
        Results.Json(new NestedErrorBody(fields, fields), SandboxJson.QPay, statusCode: StatusCodes.Status400BadRequest);

    public static IResult Validation(string field, FieldError error) =>
        Validation(new Dictionary<string, FieldError> { [field] = error });

    /// <summary>401 for a missing, unknown, expired or revoked bearer token.</summary>
    public static IResult NoCredentials(SandboxOptions options) =>
        options.UseNoCredentialsSpelling
            ? Error(StatusCodes.Status401Unauthorized, "NO_CREDENTIALS", NoCredentialsProductionText)
            : Error(StatusCodes.Status401Unauthorized, "NO_CREDENDIALS");

    public static IResult AuthenticationFailed() =>
        Error(StatusCodes.Status401Unauthorized, "AUTHENTICATION_FAILED", "Your username and password are wrong!");

    public static IResult SystemBusy() => Error(StatusCodes.Status500InternalServerError, "SYSTEM_BUSY");

    public static IResult InvoiceNotFound() => Error(StatusCodes.Status422UnprocessableEntity, "INVOICE_NOTFOUND");

    public static IResult PaymentNotFound() => Error(StatusCodes.Status422UnprocessableEntity, "PAYMENT_NOTFOUND");

    /// <summary>A body that is not JSON at all.</summary>
    public static IResult MalformedBody() => Error(StatusCodes.Status400BadRequest, "OBJECT_DATA_ERROR");

    /// <summary>The body a fault answers with: SYSTEM_BUSY for 500, the auth error for 401, or the code asked for.</summary>
    public static IResult ForFault(int status, string? code, SandboxOptions options)
    {
        if (string.Equals(code, "TypeError", StringComparison.Ordinal))
        {
            return Results.Json(new MessageOnlyBody("TypeError"), SandboxJson.QPay, statusCode: status);
        }

        if (code is not null)
        {
            return Error(status, code);
        }

        return status switch
        {
            StatusCodes.Status401Unauthorized => NoCredentials(options),
            StatusCodes.Status403Forbidden => Error(status, "PERMISSION_DENIED"),
            _ => Error(status, "SYSTEM_BUSY"),
        };
    }

    private sealed record ErrorBody(string Error, string Message);

    private sealed record NestedErrorBody(IReadOnlyDictionary<string, FieldError> Error, IReadOnlyDictionary<string, FieldError> Message);

    /// <summary>The ebarimt 500: <c>{"message":"TypeError"}</c>, no <c>error</c>.</summary>
    private sealed record MessageOnlyBody(string Message);
}

/// <summary>The validator's field complaints. Only MIN_NUMBER and INVALID were seen live; the rest follow their pattern.</summary>
internal static class FieldErrors
{
    public static FieldError Required() => new("REQUIRED", "Required!");

    public static FieldError Invalid() => new("INVALID", "Invalid value!");

    public static FieldError MaxLength(int max) =>
        new("MAX_LENGTH", string.Create(CultureInfo.InvariantCulture, $"String max length [{max}]!"));

    public static FieldError Number() => new("NUMBER", "Must be a number!");

    public static FieldError MinNumber(int min) =>
        new("MIN_NUMBER", string.Create(CultureInfo.InvariantCulture, $"Number min value [{min}]!"));
}
