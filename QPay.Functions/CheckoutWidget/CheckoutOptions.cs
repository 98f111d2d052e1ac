using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;

namespace QPay.Functions.CheckoutWidget;

/// <summary>Settings of the checkout page.</summary>
public sealed class CheckoutOptions
{
    /// <summary>
    /// Serves GET /checkout/demo, which seeds a demo cart for <see cref="DemoCheckout.DemoUserId"/> with a dev
    /// token (HS256, AUTH_JWT_SECRET). Local development only: off by default and in Azure.
    /// </summary>
    [ConfigurationKeyName("CHECKOUT_DEMO_ENABLED")]
    public bool DemoEnabled { get; set; }
}

// Reads the secret from configuration, not JwtAuthOptions, so a broken JWT setup is reported by its own validator alone.
internal sealed class CheckoutOptionsValidator(IConfiguration configuration) : SettingsValidator<CheckoutOptions>
{
    protected override void Validate(CheckoutOptions options, List<string> errors)
    {
        if (options.DemoEnabled && string.IsNullOrEmpty(configuration["AUTH_JWT_SECRET"]))
        {
            errors.Add("CHECKOUT_DEMO_ENABLED needs AUTH_JWT_SECRET: the demo signs its dev token with it (HS256).");
        }
    }
}
