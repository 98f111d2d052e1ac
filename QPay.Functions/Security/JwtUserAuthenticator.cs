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
/// AUTH_USER_ID_CLAIM. Failures say what is wrong without echoing the token.
/// </summary>
internal sealed class JwtUserAuthenticator : IUserAuthenticator
{
    public const string MissingTokenMessage = "Authentication required: send a JWT as 'Authorization: Bearer <token>' or in the access_token cookie.";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly ILogger<JwtUserAuthenticator> _logger;
    private volatile Validation _validation;

    public JwtUserAuthenticator(IOptionsMonitor<JwtAuthOptions> options, ILogger<JwtUserAuthenticator> logger)
    {
        _logger = logger;
        _validation = Build(options.CurrentValue);
        // A secret rotated in Key Vault (or any auth setting) applies without a restart.
        options.OnChange(settings => _validation = Build(settings));
    }

    private static Validation Build(JwtAuthOptions settings)
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
            // Signing keys and (unless AUTH_JWT_ISSUER is set) the issuer come from discovery.
            var authority = settings.Authority!.TrimEnd('/');
            parameters.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                authority + "/.well-known/openid-configuration",
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever { RequireHttps = !new Uri(authority).IsLoopback });
            parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384];
        }
        else
        {
            parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.Secret!));
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        return new Validation(parameters, settings.UserIdClaim);
    }

    public async Task<UserAuthentication> AuthenticateAsync(string? authorizationHeader, string? cookieToken, CancellationToken cancellationToken)
    {
        var token = BearerToken.From(authorizationHeader) ?? (string.IsNullOrWhiteSpace(cookieToken) ? null : cookieToken.Trim());
        if (token is null)
        {
            return UserAuthentication.Fail(MissingTokenMessage);
        }

        if (!_handler.CanReadToken(token))
        {
            return UserAuthentication.Fail("Invalid token: not a JWT.");
        }

        var validation = _validation;
        var result = await _handler.ValidateTokenAsync(token, validation.Parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            var reason = Reason(result.Exception);
            Log.JwtRejected(_logger, reason);
            return UserAuthentication.Fail($"Invalid token: {reason}.");
        }

        var claim = validation.UserIdClaim;
        var userId = result.ClaimsIdentity.FindFirst(claim)?.Value;
        if (string.IsNullOrEmpty(userId))
        {
            return UserAuthentication.Fail($"Invalid token: it has no '{claim}' claim.");
        }

        return Identifiers.IsValid(userId)
            ? UserAuthentication.Success(userId)
            : UserAuthentication.Fail($"Invalid token: its '{claim}' claim is not a usable user id ({Identifiers.Rule}).");
    }

    private static string Reason(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not yet valid",
        SecurityTokenNoExpirationException => "it has no expiry",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidAlgorithmException => "signing algorithm not accepted",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenMalformedException => "malformed",
        _ => "rejected",
    };

    private sealed record Validation(TokenValidationParameters Parameters, string UserIdClaim);
}
