using System.Text.Json;
using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Control;

/// <summary>
/// <c>POST /sandbox/ebarimt</c> <c>{"registered": true|false}</c> sets <see cref="SandboxOptions.EbarimtRegistered"/>
/// (false: Ebarimt create answers 400 EBARIMT_NOT_REGISTERED); it and <c>GET /sandbox/ebarimt</c> answer <c>{"registered": bool}</c>.
/// </summary>
internal static class EbarimtRegistrationEndpoint
{
    public static IResult Get(SandboxOptions options) => ControlResults.Ok(new { registered = options.EbarimtRegistered });

    public static async Task<IResult> SetAsync(HttpRequest request, SandboxOptions options, CancellationToken cancellationToken)
    {
        var (ok, body) = await JsonBody.ReadAsync(request, cancellationToken);
        if (!ok || body is not { ValueKind: JsonValueKind.Object })
        {
            return ControlResults.BadRequest("The body must be a JSON object.");
        }

        if (body.Property("registered").AsBool() is not { } registered)
        {
            return ControlResults.BadRequest("registered must be true or false.");
        }

        options.EbarimtRegistered = registered;
        return Get(options);
    }
}
