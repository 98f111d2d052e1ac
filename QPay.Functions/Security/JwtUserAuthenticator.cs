using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace QPay.Functions.Security;

/// <summary>
/// Validates the caller's JWT: signature (HS256 with AUTH_JWT_SECRET, or the OIDC authority's
/// JWKS), expiry, and issuer/audience where configured. The user id is the claim named by
/// AUTH_USER_ID_CLAIM. Failures say what is wrong without echoing the token. A token accepted once
/// is accepted again from <see cref="ValidatedTokenCache"/> until its expiry (at most a few minutes).
/// </summary>
internal sealed class JwtUserAuthenticator : IUserAuthenticator
{
    public const string MissingTokenMessage = "Authentication required: send a JWT as 'Authorization: Bearer <token>' or in the access_token cookie.";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly ILogger<JwtUserAuthenticator> _logger;
    private readonly TimeProvider _clock;
    private volatile Validation _validation;

    public JwtUserAuthenticator(IOptionsMonitor<JwtAuthOptions> options, ILogger<JwtUserAuthenticator> logger)
        : this(options, logger, TimeProvider.System)
    {
    }

    /// <param name="clock">The cache's clock: the token handler checks expiry against the system clock, so only tests pass another.</param>
    internal JwtUserAuthenticator(IOptionsMonitor<JwtAuthOptions> options, ILogger<JwtUserAuthenticator> logger, TimeProvider clock)
    {
        _logger = logger;
        _clock = clock;
        _validation = Build(options.CurrentValue);
        // A secret rotated in Key Vault (or any auth setting) applies without a restart, with an empty cache.
        options.OnChange(settings => _validation = Build(settings));
    }

    private Validation Build(JwtAuthOptions settings)
    {
        var parameters = new TokenValidationParameters
        {
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            ValidateAudience = !string.IsNullOrWhiteSpace(settings.Audience),
            ValidAudience = settings.Audience,
            ValidateIssuer = !string.IsNullOrWhiteSpace(settings.Issuer) || settings.UsesAuthority,
            ValidIssuer = string.IsNullOrWhiteSpace(settings.Issuer) ? null : settings.Issuer,
            ValidateIssuerSigningKey = true,
        };

        if (settings.UsesAuthority)
        {
            parameters.ConfigurationManager = Discovery(settings.Authority!);
            parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384];
        }
        else
        {
            parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.Secret!));
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        return new Validation(parameters, settings.UserIdClaim, new ValidatedTokenCache(_clock));
    }

    /// <summary>
    /// Signing keys and (unless AUTH_JWT_ISSUER is set) the issuer from the authority's discovery
    /// document. A method of its own so that the OpenID Connect assemblies load only when an
    /// authority is set: compiling a method loads the assemblies of what it names.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BaseConfigurationManager Discovery(string authority)
    {
        authority = authority.TrimEnd('/');
        return new ConfigurationManager<OpenIdConnectConfiguration>(
            authority + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = !new Uri(authority).IsLoopback });
    }

    public async Task<UserAuthentication> AuthenticateAsync(string? authorizationHeader, string? cookieToken, CancellationToken cancellationToken)
    {
        var token = BearerToken.From(authorizationHeader) ?? (string.IsNullOrWhiteSpace(cookieToken) ? null : cookieToken.Trim());
        if (token is null)
        {
            return UserAuthentication.Fail(MissingTokenMessage);
        }

        var validation = _validation;
        if (validation.Accepted.TryGet(token, out var acceptedUserId))
        {
            return UserAuthentication.Success(acceptedUserId);
        }

        if (!_handler.CanReadToken(token))
        {
            return UserAuthentication.Fail("Invalid token: not a JWT.");
        }

        var result = await _handler.ValidateTokenAsync(token, validation.Parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            var reason = TokenRejection.Reason(result.Exception);
            Log.JwtRejected(_logger, reason);
            return UserAuthentication.Fail($"Invalid token: {reason}.");
        }

        var claim = validation.UserIdClaim;
        var userId = result.ClaimsIdentity.FindFirst(claim)?.Value;
        if (string.IsNullOrEmpty(userId))
        {
            return UserAuthentication.Fail($"Invalid token: it has no '{claim}' claim.");
        }

        if (!Identifiers.IsValid(userId))
        {
            return UserAuthentication.Fail($"Invalid token: its '{claim}' claim is not a usable user id ({Identifiers.Rule}).");
        }

        validation.Accepted.Add(token, userId, result.SecurityToken.ValidTo);
        return UserAuthentication.Success(userId);
    }

    private sealed record Validation(TokenValidationParameters Parameters, string UserIdClaim, ValidatedTokenCache Accepted);
}
