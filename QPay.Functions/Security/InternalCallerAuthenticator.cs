using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace QPay.Functions.Security;

/// <summary>Whether the service calling an internal route may (INTERNAL_AUTH_MODE).</summary>
public interface IInternalCallerAuthenticator
{
    /// <param name="authorizationHeader">The raw <c>Authorization</c> header, if any.</param>
    Task<InternalCallerVerdict> AuthenticateAsync(string? authorizationHeader, CancellationToken cancellationToken);
}

public enum InternalCallerOutcome
{
    Allowed,

    /// <summary>No token, or one that is not a valid token of the tenant for this app (401).</summary>
    Unauthenticated,

    /// <summary>A valid token without the app role (403).</summary>
    Forbidden,
}

/// <summary>The outcome and, when refused, a sentence safe to show the caller.</summary>
public sealed record InternalCallerVerdict(InternalCallerOutcome Outcome, string? Message)
{
    public static readonly InternalCallerVerdict Allowed = new(InternalCallerOutcome.Allowed, null);
}

/// <summary>
/// In EntraId mode, validates the caller's Entra ID access token: issued by the tenant (v1 or v2
/// issuer), for this app (audience), signed by a key of the tenant's OIDC metadata, in its
/// lifetime, with the app role in <c>roles</c>. The metadata machinery is built on the first
/// call in that mode only; in FunctionKey mode every caller the host let in is allowed.
/// Rejections log the calling application's id (a service, not a person), never the token.
/// </summary>
internal sealed class InternalCallerAuthenticator : IInternalCallerAuthenticator
{
    public const string MissingTokenMessage =
        "This internal endpoint requires an Entra ID access token of the calling service: 'Authorization: Bearer <token>'.";

    private readonly InternalAuthOptions _options;
    private readonly ILogger<InternalCallerAuthenticator> _logger;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly Lazy<TokenValidationParameters> _parameters;

    public InternalCallerAuthenticator(IOptions<InternalAuthOptions> options, ILogger<InternalCallerAuthenticator> logger)
    {
        _options = options.Value;
        _logger = logger;
        _parameters = new Lazy<TokenValidationParameters>(() => Parameters(_options));
    }

    public async Task<InternalCallerVerdict> AuthenticateAsync(string? authorizationHeader, CancellationToken cancellationToken)
    {
        if (!_options.UsesEntraId)
        {
            return InternalCallerVerdict.Allowed;
        }

        var token = BearerToken.From(authorizationHeader);
        if (token is null)
        {
            Log.InternalCallerUnauthenticated(_logger, "no bearer token", AppIdOrUnknown(null));
            return new(InternalCallerOutcome.Unauthenticated, MissingTokenMessage);
        }

        if (!_handler.CanReadToken(token))
        {
            Log.InternalCallerUnauthenticated(_logger, "not a JWT", AppIdOrUnknown(null));
            return new(InternalCallerOutcome.Unauthenticated, "Invalid token: not a JWT.");
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters.Value).ConfigureAwait(false);
        if (!result.IsValid)
        {
            var reason = TokenRejection.Reason(result.Exception);
            // Unverified, so only ever logged as what the token claims.
            Log.InternalCallerUnauthenticated(_logger, reason, AppIdOrUnknown(Unverified(token)));
            return new(InternalCallerOutcome.Unauthenticated, $"Invalid token: {reason}.");
        }

        var role = _options.Role!.Trim();
        if (!result.ClaimsIdentity.FindAll("roles").Any(claim => string.Equals(claim.Value, role, StringComparison.Ordinal)))
        {
            Log.InternalCallerForbidden(_logger, AppIdOrUnknown((JsonWebToken)result.SecurityToken), role);
            return new(InternalCallerOutcome.Forbidden, $"The calling service lacks the app role '{role}' on this API.");
        }

        return InternalCallerVerdict.Allowed;
    }

    private static TokenValidationParameters Parameters(InternalAuthOptions options)
    {
        var authority = options.MetadataAuthority;
        return new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuers = options.Issuers,
            ValidateAudience = true,
            ValidAudiences = options.Audiences,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(1),
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            // Keys rotate in the tenant's JWKS; the manager refreshes them (and on an unknown kid).
            ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                authority + "/.well-known/openid-configuration",
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever { RequireHttps = !new Uri(authority).IsLoopback }),
        };
    }

    /// <summary>The token's claims without any check, or null when they cannot be read (a malformed token).</summary>
    private JsonWebToken? Unverified(string token)
    {
        try
        {
            return _handler.ReadJsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The calling application's id: <c>appid</c> in v1 tokens, <c>azp</c> in v2; logged only when it is a GUID.</summary>
    private static string AppIdOrUnknown(JsonWebToken? token)
    {
        if (token is null)
        {
            return "unknown";
        }

        var id = token.TryGetPayloadValue<string>("appid", out var appId) ? appId
            : token.TryGetPayloadValue<string>("azp", out var azp) ? azp
            : null;
        return Guid.TryParse(id, out var guid) ? guid.ToString("D") : "unknown";
    }
}
