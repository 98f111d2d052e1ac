using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;

namespace QPay.Functions.Security;

/// <summary>
/// How the internal routes know their caller. <c>FunctionKey</c> (the default): the function key
/// (checked by the Functions host) and <c>x-internal-request: true</c>. <c>EntraId</c>: besides
/// both, an Entra ID access token of the calling service (its managed identity) for this app's
/// registration, carrying the app role <see cref="Role"/>.
/// </summary>
public sealed class InternalAuthOptions
{
    public const string FunctionKeyMode = "FunctionKey";
    public const string EntraIdMode = "EntraId";

    [ConfigurationKeyName("INTERNAL_AUTH_MODE")]
    public string Mode { get; set; } = FunctionKeyMode;

    /// <summary>The directory (tenant) id whose tokens are accepted; it fixes the issuers.</summary>
    [ConfigurationKeyName("INTERNAL_AUTH_ENTRA_TENANT_ID")]
    public string? TenantId { get; set; }

    /// <summary>
    /// Where the signing keys are discovered; empty means Entra's own
    /// <c>https://login.microsoftonline.com/{tenant}/v2.0</c> (a sovereign cloud or a test sets it).
    /// </summary>
    [ConfigurationKeyName("INTERNAL_AUTH_ENTRA_AUTHORITY")]
    public string? Authority { get; set; }

    /// <summary>
    /// The accepted <c>aud</c> values, comma-separated: the Application ID URI (v1 tokens, asked for
    /// with that resource) and/or the client id (v2 tokens carry it).
    /// </summary>
    [ConfigurationKeyName("INTERNAL_AUTH_ENTRA_AUDIENCE")]
    public string? Audience { get; set; }

    /// <summary>The app role (its value, e.g. <c>Payments.Internal</c>) a caller's token must carry in <c>roles</c>.</summary>
    [ConfigurationKeyName("INTERNAL_AUTH_ENTRA_ROLE")]
    public string? Role { get; set; }

    public bool UsesEntraId => string.Equals(Mode?.Trim(), EntraIdMode, StringComparison.OrdinalIgnoreCase);

    public IReadOnlyList<string> Audiences =>
        (Audience ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string MetadataAuthority =>
        string.IsNullOrWhiteSpace(Authority) ? $"https://login.microsoftonline.com/{TenantId!.Trim()}/v2.0" : Authority.Trim().TrimEnd('/');

    /// <summary>Entra's v1 (<c>sts.windows.net</c>) and v2 issuers of the tenant: a managed identity's token is v1 unless the app asks for v2.</summary>
    public IReadOnlyList<string> Issuers =>
    [
        $"https://sts.windows.net/{TenantId!.Trim()}/",
        $"https://login.microsoftonline.com/{TenantId!.Trim()}/v2.0",
    ];
}

internal sealed class InternalAuthOptionsValidator : SettingsValidator<InternalAuthOptions>
{
    protected override void Validate(InternalAuthOptions options, List<string> errors)
    {
        var mode = options.Mode?.Trim();
        if (!string.Equals(mode, InternalAuthOptions.FunctionKeyMode, StringComparison.OrdinalIgnoreCase) && !options.UsesEntraId)
        {
            errors.Add($"INTERNAL_AUTH_MODE must be {InternalAuthOptions.FunctionKeyMode} or {InternalAuthOptions.EntraIdMode}.");
            return;
        }

        if (!options.UsesEntraId)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(options.TenantId))
        {
            errors.Add("INTERNAL_AUTH_ENTRA_TENANT_ID is required when INTERNAL_AUTH_MODE is EntraId.");
        }
        else if (!Guid.TryParse(options.TenantId.Trim(), out _))
        {
            errors.Add("INTERNAL_AUTH_ENTRA_TENANT_ID must be the directory (tenant) id, a GUID.");
        }

        if (!string.IsNullOrWhiteSpace(options.Authority))
        {
            AbsoluteHttpUrl("INTERNAL_AUTH_ENTRA_AUTHORITY", options.Authority, errors, requireHttps: !IsLoopback(options.Authority));
        }

        if (options.Audiences.Count == 0)
        {
            errors.Add("INTERNAL_AUTH_ENTRA_AUDIENCE is required when INTERNAL_AUTH_MODE is EntraId (the Application ID URI and/or client id).");
        }

        if (string.IsNullOrWhiteSpace(options.Role))
        {
            errors.Add("INTERNAL_AUTH_ENTRA_ROLE is required when INTERNAL_AUTH_MODE is EntraId (the app role's value).");
        }
        else if (options.Role.Trim().Any(char.IsWhiteSpace))
        {
            errors.Add("INTERNAL_AUTH_ENTRA_ROLE must be an app role's value, without spaces.");
        }
    }
}
