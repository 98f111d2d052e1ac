using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace QPay.Sandbox.Hosting;

/// <summary>
/// Reads <see cref="SandboxOptions"/> for a standalone run from the <c>Sandbox</c> configuration section
/// (<c>--Sandbox:TokenLifetimeSeconds=600</c> or <c>Sandbox__TokenLifetimeSeconds=600</c>).
/// </summary>
internal static class SandboxConfiguration
{
    public const string SectionName = "Sandbox";

    public static SandboxOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var options = new SandboxOptions();
        if (Int(section, "TokenLifetimeSeconds") is { } lifetime)
        {
            options.TokenLifetime = TimeSpan.FromSeconds(lifetime);
        }

        if (Int(section, "CallbackTimeoutSeconds") is { } callbackTimeout)
        {
            options.CallbackTimeout = TimeSpan.FromSeconds(callbackTimeout);
        }

        options.DefaultCallbackDuplicates = Int(section, "DefaultCallbackDuplicates") ?? options.DefaultCallbackDuplicates;
        options.RejectDuplicateSenderInvoiceNo = Bool(section, "RejectDuplicateSenderInvoiceNo") ?? false;
        options.UseNoCredentialsSpelling = Bool(section, "UseNoCredentialsSpelling") ?? false;
        options.EbarimtRegistered = Bool(section, "EbarimtRegistered") ?? true;
        options.ClientId = section["ClientId"] ?? options.ClientId;
        options.ClientSecret = section["ClientSecret"] ?? options.ClientSecret;
        options.InvoiceCode = section["InvoiceCode"] ?? options.InvoiceCode;
        options.MerchantId = section["MerchantId"] ?? options.MerchantId;
        return options;
    }

    private static int? Int(IConfigurationSection section, string key) =>
        section[key] is not { } text
            ? null
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new FormatException($"{SectionName}:{key} must be a whole number, got '{text}'.");

    private static bool? Bool(IConfigurationSection section, string key) =>
        section[key] is not { } text
            ? null
            : bool.TryParse(text, out var value)
                ? value
                : throw new FormatException($"{SectionName}:{key} must be true or false, got '{text}'.");
}
