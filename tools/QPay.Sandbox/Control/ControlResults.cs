using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Control;

internal static class ControlResults
{
    public static IResult Ok(object body) => Results.Json(body, SandboxJson.Control);

    public static IResult BadRequest(string error) => Failure(StatusCodes.Status400BadRequest, error);

    public static IResult NotFound(string error) => Failure(StatusCodes.Status404NotFound, error);

    public static IResult Conflict(string error) => Failure(StatusCodes.Status409Conflict, error);

    private static IResult Failure(int status, string error) => Results.Json(new ControlError(error), SandboxJson.Control, statusCode: status);
}
