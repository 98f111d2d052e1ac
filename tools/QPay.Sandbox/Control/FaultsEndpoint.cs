using System.Text.Json;
using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Control;

/// <summary>
/// <c>POST /sandbox/faults</c> <c>{endpoint, status?, delayMs?, count?, drop?, error?}</c>: the next <c>count</c>
/// calls of the endpoint fail with <c>status</c>, answer <c>delayMs</c> late, or (drop) run and lose their answer.
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

        if (drop && status is not null)
        {
            return ControlResults.BadRequest("Give status or drop, not both.");
        }

        if (!drop && status is null && delayMs == 0)
        {
            return ControlResults.BadRequest("Give a status, a delayMs or drop: true.");
        }

        var rule = new FaultRule
        {
            Endpoint = endpoint,
            Status = status,
            DelayMs = delayMs,
            Count = count,
            Drop = drop,
            Error = body.Property("error").AsText(),
        };
        faults.Add(rule);
        return ControlResults.Ok(new { fault = rule, pending = faults.Pending() });
    }
}
