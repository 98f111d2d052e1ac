using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;
using QPay.Functions.Storage;

namespace QPay.Functions.QPayApi;

/// <summary>How to reach QPay's merchant API v2, and as whom.</summary>
public sealed class QPayOptions
{
    /// <summary>QPay's base URL, without <c>/v2</c> (e.g. https://merchant.qpay.mn).</summary>
    [ConfigurationKeyName("QPAY_BASE_URL")]
    public string? BaseUrl { get; set; }

    [ConfigurationKeyName("QPAY_CLIENT_ID")]
    public string? ClientId { get; set; }

    [ConfigurationKeyName("QPAY_CLIENT_SECRET")]
    public string? ClientSecret { get; set; }

    [ConfigurationKeyName("QPAY_INVOICE_CODE")]
    public string? InvoiceCode { get; set; }

    /// <summary>Per-attempt timeout of a QPay call.</summary>
    [ConfigurationKeyName("QPAY_ATTEMPT_TIMEOUT_SEC")]
    public int AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>Budget of a QPay call, retries included.</summary>
    [ConfigurationKeyName("QPAY_TOTAL_TIMEOUT_SEC")]
    public int TotalTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long one QPay call can last, retries included, plus a margin: a lease held while QPay is
    /// asked must outlast it, or a second caller could ask while the first is still waiting.
    /// </summary>
    public TimeSpan LeaseFloor => TimeSpan.FromSeconds(TotalTimeoutSeconds + 30);

    /// <summary>A token is renewed this long before QPay's <c>expires_in</c>.</summary>
    public TimeSpan TokenRenewalMargin { get; internal set; } = TimeSpan.FromSeconds(60);

    /// <summary>The Redis key of the token shared by every instance (design §5).</summary>
    public string TokenCacheKey { get; internal set; } = RedisKeys.QPayToken;

    /// <summary>The API root the client's relative paths hang from, always ending in <c>/v2/</c>.</summary>
    public Uri ApiRoot
    {
        get
        {
            var text = (BaseUrl ?? string.Empty).TrimEnd('/');
            if (!text.EndsWith("/v2", StringComparison.OrdinalIgnoreCase))
            {
                text += "/v2";
            }

            return new Uri(text + "/");
        }
    }
}

internal sealed class QPayOptionsValidator(DeploymentEnvironment environment) : SettingsValidator<QPayOptions>
{
    protected override void Validate(QPayOptions options, List<string> errors)
    {
        // The client secret and every bearer token go to this URL.
        HttpsOutsideDevelopment("QPAY_BASE_URL", options.BaseUrl, environment, errors);
        Required("QPAY_CLIENT_ID", options.ClientId, errors);
        Required("QPAY_CLIENT_SECRET", options.ClientSecret, errors);
        Required("QPAY_INVOICE_CODE", options.InvoiceCode, errors);
        InRange("QPAY_ATTEMPT_TIMEOUT_SEC", options.AttemptTimeoutSeconds, 1, 120, errors);
        InRange("QPAY_TOTAL_TIMEOUT_SEC", options.TotalTimeoutSeconds, options.AttemptTimeoutSeconds, 200, errors);
    }
}
