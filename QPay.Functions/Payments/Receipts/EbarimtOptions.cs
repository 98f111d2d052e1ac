using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Receipts;

/// <summary>E-receipts (ebarimt 3.0), issued through QPay after each verified payment.</summary>
public sealed class EbarimtOptions
{
    /// <summary>Off by default: then every receipt is SKIPPED and QPay is never asked.</summary>
    [ConfigurationKeyName("QPAY_EBARIMT_ENABLED")]
    public bool Enabled { get; set; }

    /// <summary>Who a receipt is for when the checkout names nobody: CITIZEN (or COMPANY, which then needs a register number per checkout).</summary>
    [ConfigurationKeyName("QPAY_EBARIMT_DEFAULT_RECEIVER_TYPE")]
    public string DefaultReceiverType { get; set; } = EbarimtReceiver.Citizen;

    /// <summary>The merchant's district code (4 digits), when the checkout names none; QPay's default when empty.</summary>
    [ConfigurationKeyName("QPAY_EBARIMT_DISTRICT_CODE")]
    public string? DistrictCode { get; set; }

    /// <summary>The goods' classification code (7 digits), when the checkout names none; QPay's default when empty.</summary>
    [ConfigurationKeyName("QPAY_EBARIMT_CLASSIFICATION_CODE")]
    public string? ClassificationCode { get; set; }

    /// <summary>Attempts at a receipt before it is FAILED and its message goes to the poison queue.</summary>
    public int MaxAttempts { get; internal set; } = 5;

    /// <summary>The wait after the first failed attempt; it doubles per attempt.</summary>
    public TimeSpan RetryBackoff { get; internal set; } = TimeSpan.FromSeconds(30);

    /// <summary>The queue receipts go through (tests isolate themselves with another).</summary>
    public string Queue { get; internal set; } = Storage.StorageNames.EbarimtQueue;
}

internal sealed class EbarimtOptionsValidator : SettingsValidator<EbarimtOptions>
{
    protected override void Validate(EbarimtOptions options, List<string> errors)
    {
        if (EbarimtReceivers.Normalise(options.DefaultReceiverType) is null)
        {
            errors.Add("QPAY_EBARIMT_DEFAULT_RECEIVER_TYPE must be CITIZEN or COMPANY (ORGANIZATION and BUSINESS mean COMPANY).");
        }

        if (!string.IsNullOrEmpty(options.DistrictCode) && !EbarimtReceivers.IsDistrictCode(options.DistrictCode))
        {
            errors.Add("QPAY_EBARIMT_DISTRICT_CODE must be 4 digits.");
        }

        if (!string.IsNullOrEmpty(options.ClassificationCode) && !EbarimtReceivers.IsClassificationCode(options.ClassificationCode))
        {
            errors.Add("QPAY_EBARIMT_CLASSIFICATION_CODE must be 7 digits.");
        }
    }
}
