using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace QPay.Functions.Functions;

/// <summary>GET /health: Redis, Table and Queue reachability; 503 names what is down.</summary>
public sealed class HealthFunction(HealthCheckService health)
{
    [Function(nameof(HealthFunction))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        var body = new HealthResponse(
            report.Status.ToString(),
            report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key).ToArray(),
            report.Entries.ToDictionary(
                e => e.Key,
                e => new HealthCheckResponse(
                    e.Value.Status.ToString(),
                    Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                    // The exception type says enough; its message may name internal hosts.
                    e.Value.Exception is { } error ? $"unreachable ({error.GetType().Name})" : e.Value.Description)));
        return new ObjectResult(body)
        {
            StatusCode = report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
        };
    }

    public sealed record HealthResponse(string Status, string[] Failing, Dictionary<string, HealthCheckResponse> Checks);

    public sealed record HealthCheckResponse(string Status, double DurationMs, string? Description);
}
