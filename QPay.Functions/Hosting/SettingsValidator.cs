using Microsoft.Extensions.Options;

namespace QPay.Functions.Hosting;

/// <summary>
/// Base for the options validators: collects one message per bad setting, each naming the
/// setting (the environment variable) and what is wrong with it, never echoing its value.
/// </summary>
internal abstract class SettingsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var errors = new List<string>();
        Validate(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    protected abstract void Validate(TOptions options, List<string> errors);

    protected static void Required(string setting, string? value, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{setting} is required.");
        }
    }

    /// <summary>An absolute http(s) URL; a missing value is reported as required.</summary>
    protected static void AbsoluteHttpUrl(string setting, string? value, List<string> errors, bool requireHttps = false)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{setting} is required.");
            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{setting} must be an absolute http:// or https:// URL.");
            return;
        }

        if (requireHttps && uri.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"{setting} must be an https:// URL.");
        }
    }

    /// <summary>
    /// An absolute http(s) URL that must be https:// outside local development (<see cref="DeploymentEnvironment"/>),
    /// where it carries secrets or tokens over a network. http:// to a loopback address stays allowed everywhere:
    /// it never leaves the machine, so it can only be a local sandbox or a test stack (as for AUTH_JWT_AUTHORITY).
    /// </summary>
    protected static void HttpsOutsideDevelopment(string setting, string? value, DeploymentEnvironment environment, List<string> errors)
    {
        AbsoluteHttpUrl(setting, value, errors);
        if (!environment.IsLocalDevelopment
            && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            errors.Add($"{setting} must be an https:// URL outside local development (AZURE_FUNCTIONS_ENVIRONMENT=Development, not in Azure).");
        }
    }

    /// <summary>True for an absolute URL whose host is a loopback address (127.0.0.1, ::1, localhost).</summary>
    protected static bool IsLoopback(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsLoopback;

    protected static void InRange(string setting, long value, long min, long max, List<string> errors)
    {
        if (value < min || value > max)
        {
            errors.Add($"{setting} must be between {min} and {max}.");
        }
    }
}
