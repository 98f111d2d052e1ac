using System.Text;
using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;

namespace QPay.Functions.Security;

/// <summary>
/// How the public endpoints validate the caller's JWT: an HS256 shared secret (local runs), or an
/// OIDC authority whose JWKS signs the tokens (production).
/// </summary>
public sealed class JwtAuthOptions
{
    public const int MinimumSecretBytes = 32;

    [ConfigurationKeyName("AUTH_JWT_SECRET")]
    public string? Secret { get; set; }

    [ConfigurationKeyName("AUTH_JWT_AUTHORITY")]
    public string? Authority { get; set; }

    [ConfigurationKeyName("AUTH_JWT_AUDIENCE")]
    public string? Audience { get; set; }

    /// <summary>Expected <c>iss</c> when set; with an authority the discovery document's issuer is used otherwise.</summary>
    [ConfigurationKeyName("AUTH_JWT_ISSUER")]
    public string? Issuer { get; set; }

    /// <summary>The claim that carries the user id.</summary>
    [ConfigurationKeyName("AUTH_USER_ID_CLAIM")]
    public string UserIdClaim { get; set; } = "sub";

    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);
}

internal sealed class JwtAuthOptionsValidator(DeploymentEnvironment environment) : SettingsValidator<JwtAuthOptions>
{
    protected override void Validate(JwtAuthOptions options, List<string> errors)
    {
        var hasSecret = !string.IsNullOrEmpty(options.Secret);
        if (!hasSecret && !options.UsesAuthority)
        {
            errors.Add("AUTH_JWT_SECRET (HS256) or AUTH_JWT_AUTHORITY with AUTH_JWT_AUDIENCE (OIDC) is required.");
        }

        if (hasSecret && Encoding.UTF8.GetByteCount(options.Secret!) < JwtAuthOptions.MinimumSecretBytes)
        {
            errors.Add($"AUTH_JWT_SECRET must be at least {JwtAuthOptions.MinimumSecretBytes} bytes long (HS256).");
        }

        if (options.UsesAuthority)
        {
            AbsoluteHttpUrl("AUTH_JWT_AUTHORITY", options.Authority, errors, requireHttps: !IsLoopback(options.Authority));
            Required("AUTH_JWT_AUDIENCE", options.Audience, errors);
        }

        if (environment.IsAzure && string.IsNullOrWhiteSpace(options.Issuer))
        {
            // In Azure the issuer is pinned: with HS256 nothing else would check iss, and with an authority
            // the accepted issuer would be whatever its discovery document answers.
            errors.Add("AUTH_JWT_ISSUER is required in Azure (the iss user JWTs must carry).");
        }

        Required("AUTH_USER_ID_CLAIM", options.UserIdClaim, errors);
    }
}
