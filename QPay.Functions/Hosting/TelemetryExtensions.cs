using System.Diagnostics;
using System.Runtime.CompilerServices;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QPay.Functions.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace QPay.Functions.Hosting;

/// <summary>
/// Worker telemetry: OpenTelemetry traces, logs and metrics exported to Application Insights
/// (Azure Monitor), only when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, so local runs and
/// tests export nothing. The resource has local auth off, so the exporter signs in as the
/// identity named by <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>
/// (<c>Authorization=AAD;ClientId=&lt;user-assigned identity client id&gt;</c>), the same string the
/// Functions host reads for its own telemetry.
/// </summary>
public static class TelemetryExtensions
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static IHostApplicationBuilder AddQPayTelemetry(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration[ConnectionStringSetting];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            AddAzureMonitor(builder, connectionString);
        }

        return builder;
    }

    /// <summary>
    /// A method of its own so that OpenTelemetry, the exporter and Azure.Identity load only when there
    /// is somewhere to export to: compiling a method loads the assemblies of what it names.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddAzureMonitor(IHostApplicationBuilder builder, string connectionString)
    {
        var credential = AzureMonitorCredential(builder.Configuration[AuthenticationStringSetting]);
        builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            // Added before the exporter, so spans are scrubbed before they are batched for export.
            .WithTracing(tracing => tracing.AddProcessor(new SecretQueryRedactionProcessor()))
            // The app's own instruments (README, "Metrics"), beside the worker's.
            .WithMetrics(metrics => metrics.AddMeter(PaymentMetrics.MeterName))
            .UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                options.Credential = credential;
            });
    }

    /// <summary>
    /// The credential of an <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>:
    /// <c>Authorization=AAD;ClientId=&lt;id&gt;</c> is that user-assigned managed identity,
    /// <c>Authorization=AAD</c> alone the system-assigned one; empty means instrumentation-key
    /// ingestion (only where the resource allows local auth).
    /// </summary>
    public static TokenCredential? AzureMonitorCredential(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var authorization)
            || !string.Equals(authorization, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"{AuthenticationStringSetting} must look like Authorization=AAD;ClientId=<managed identity client id>.");
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}

/// <summary>
/// Scrubs query values that are credentials from every span before export: the webhook's
/// <c>token</c> (an HMAC that lets anyone call back for that session) and a function key passed as
/// <c>code</c>. Any string tag or span name that carries them (url.full, url.query, http.url,
/// http.target, whatever an instrumentation adds) is rewritten.
/// </summary>
public sealed class SecretQueryRedactionProcessor : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        List<KeyValuePair<string, string>>? rewritten = null;
        foreach (var tag in data.TagObjects)
        {
            if (tag.Value is string text && QueryRedaction.MayContainSecret(text))
            {
                var redacted = QueryRedaction.Redact(text);
                if (!ReferenceEquals(redacted, text))
                {
                    (rewritten ??= []).Add(new(tag.Key, redacted));
                }
            }
        }

        foreach (var (key, value) in rewritten ?? [])
        {
            data.SetTag(key, value);
        }

        if (QueryRedaction.MayContainSecret(data.DisplayName))
        {
            data.DisplayName = QueryRedaction.Redact(data.DisplayName);
        }
    }
}

/// <summary>Replaces the values of secret query parameters in a URL or query string.</summary>
public static class QueryRedaction
{
    public const string Redacted = "REDACTED";

    /// <summary>Query parameters whose values are credentials.</summary>
    public static readonly IReadOnlyList<string> SecretParameters = ["token", "code"];

    public static bool MayContainSecret(string? text) =>
        !string.IsNullOrEmpty(text)
        && SecretParameters.Any(name => text.Contains(name + "=", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// <c>https://h/p?sessionId=s&amp;token=abc</c> becomes <c>https://h/p?sessionId=s&amp;token=REDACTED</c>.
    /// Works on a whole URL, a query with or without its <c>?</c>, keeps the fragment, matches names
    /// case-insensitively and percent-decoded, and leaves other parameters (and <c>mytoken=</c>)
    /// alone. Returns the same instance when nothing was redacted.
    /// </summary>
    public static string Redact(string text)
    {
        if (!MayContainSecret(text))
        {
            return text;
        }

        var queryStart = text.IndexOf('?');
        var looksLikeUrl = text.Contains("://", StringComparison.Ordinal) || text.StartsWith('/');
        if (queryStart < 0 && looksLikeUrl)
        {
            return text;
        }

        var prefix = queryStart >= 0 ? text[..(queryStart + 1)] : string.Empty;
        var rest = queryStart >= 0 ? text[(queryStart + 1)..] : text;
        var fragmentStart = rest.IndexOf('#');
        var fragment = fragmentStart >= 0 ? rest[fragmentStart..] : string.Empty;
        var query = fragmentStart >= 0 ? rest[..fragmentStart] : rest;

        var changed = false;
        var pairs = query.Split('&');
        for (var i = 0; i < pairs.Length; i++)
        {
            var equals = pairs[i].IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            var name = Uri.UnescapeDataString(pairs[i][..equals].Replace('+', ' ')).Trim();
            if (SecretParameters.Contains(name, StringComparer.OrdinalIgnoreCase) && pairs[i][(equals + 1)..] != Redacted)
            {
                pairs[i] = pairs[i][..(equals + 1)] + Redacted;
                changed = true;
            }
        }

        return changed ? prefix + string.Join('&', pairs) + fragment : text;
    }
}
