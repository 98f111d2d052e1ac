using System.Text.Json;
using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Control;

/// <summary>
/// <c>POST /sandbox/faults</c> <c>{endpoint, status?, delayMs?, count?, drop?, stallBodyMs?, error?}</c>: the next
/// <c>count</c> calls of the endpoint fail with <c>status</c>, answer <c>delayMs</c> late, (drop) run and lose their
/// answer, or pause <c>stallBodyMs</c> in the middle of their answer's body.
/// </summary>
internal static class FaultsEndpoint
{
    private const int MaxDelayMs = 600_000;

    public static async Task<IResult> AddAsync(HttpRequest request, FaultInjector faults, CancellationToken cancellationToken)
    {
        var (ok, body) = await JsonBody.ReadAsync(request, cancellationToken);
        if (!ok || body is not { ValueKind: JsonValueKind.Object })
        {
            return ControlResults.BadRequest("The body must be a JSON object.");
        }

        var endpoint = body.Property("endpoint").AsText();
        if (endpoint is null || !EndpointKeys.All.Contains(endpoint, StringComparer.Ordinal))
        {
            return ControlResults.BadRequest($"endpoint must be one of: {string.Join(", ", EndpointKeys.All)}.");
        }

        int? status = null;
        if (body.Property("status") is { } statusElement)
        {
            if (!((JsonElement?)statusElement).TryInt(out var value) || value is < 100 or > 599)
            {
                return ControlResults.BadRequest("status must be an HTTP status code (100-599).");
            }

            status = value;
        }

        var delayMs = 0;
        if (body.Property("delayMs") is { } delayElement
            && (!((JsonElement?)delayElement).TryInt(out delayMs) || delayMs is < 0 or > MaxDelayMs))
        {
            return ControlResults.BadRequest($"delayMs must be a whole number from 0 to {MaxDelayMs}.");
        }

        var count = 1;
        if (body.Property("count") is { } countElement && (!((JsonElement?)countElement).TryInt(out count) || count < 1))
        {
            return ControlResults.BadRequest("count must be a whole number of at least 1.");
        }

        var drop = false;
        if (body.Property("drop") is { } dropElement)
        {
            if (((JsonElement?)dropElement).AsBool() is not { } flag)
            {
                return ControlResults.BadRequest("drop must be true or false.");
            }

            drop = flag;
        }

        var stallBodyMs = 0;
        if (body.Property("stallBodyMs") is { } stallElement
            && (!((JsonElement?)stallElement).TryInt(out stallBodyMs) || stallBodyMs is < 0 or > MaxDelayMs))
        {
            return ControlResults.BadRequest($"stallBodyMs must be a whole number from 0 to {MaxDelayMs}.");
        }

        if ((drop ? 1 : 0) + (status is null ? 0 : 1) + (stallBodyMs > 0 ? 1 : 0) > 1)
        {
            return ControlResults.BadRequest("Give one of status, drop and stallBodyMs.");
        }

        if (!drop && status is null && delayMs == 0 && stallBodyMs == 0)
        {
            return ControlResults.BadRequest("Give a status, a delayMs, a stallBodyMs or drop: true.");
        }

        var rule = new FaultRule
        {
            Endpoint = endpoint,
            Status = status,
            DelayMs = delayMs,
            Count = count,
            Drop = drop,
            StallBodyMs = stallBodyMs,
            Error = body.Property("error").AsText(),
        };
        faults.Add(rule);
        return ControlResults.Ok(new { fault = rule, pending = faults.Pending() });
    }
}
