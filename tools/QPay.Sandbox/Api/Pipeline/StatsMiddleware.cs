using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Stats;

namespace QPay.Sandbox.Api.Pipeline;

/// <summary>Counts every call of a /v2 endpoint under its key, before faults or auth can answer it.</summary>
internal sealed class StatsMiddleware(RequestDelegate next, CallStats stats)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EndpointKey>() is { } key)
        {
            stats.Count(key.Key);
        }

        return next(context);
    }
}
