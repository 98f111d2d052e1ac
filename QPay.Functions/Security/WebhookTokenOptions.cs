using System.Text;
using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;

namespace QPay.Functions.Security;

/// <summary>
/// Keys of the callback-URL token (HMAC-SHA256 of the session id), and the secret the Redis
/// session-copy MAC key is derived from (<see cref="SessionCacheSigner"/>).
/// </summary>
public sealed class WebhookTokenOptions
{
    public const int MinimumSecretBytes = 32;

    [ConfigurationKeyName("QPAY_WEBHOOK_SECRET")]
    public string? Secret { get; set; }

    /// <summary>The key before the last rotation; tokens it signed still verify while it is set.</summary>
    [ConfigurationKeyName("QPAY_WEBHOOK_SECRET_PREVIOUS")]
    public string? PreviousSecret { get; set; }
}

internal sealed class WebhookTokenOptionsValidator : SettingsValidator<WebhookTokenOptions>
{
    protected override void Validate(WebhookTokenOptions options, List<string> errors)
    {
        ValidateKey("QPAY_WEBHOOK_SECRET", options.Secret, required: true, errors);
        ValidateKey("QPAY_WEBHOOK_SECRET_PREVIOUS", options.PreviousSecret, required: false, errors);
    }

    private static void ValidateKey(string setting, string? value, bool required, List<string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errors.Add($"{setting} is required.");
            }

            return;
        }

        if (Encoding.UTF8.GetByteCount(value) < WebhookTokenOptions.MinimumSecretBytes)
        {
            errors.Add($"{setting} must be at least {WebhookTokenOptions.MinimumSecretBytes} bytes long.");
        }
    }
}
