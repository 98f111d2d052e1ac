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

    protected static void InRange(string setting, long value, long min, long max, List<string> errors)
    {
        if (value < min || value > max)
        {
            errors.Add($"{setting} must be between {min} and {max}.");
        }
    }
}
