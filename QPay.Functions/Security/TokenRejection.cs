using Microsoft.IdentityModel.Tokens;

namespace QPay.Functions.Security;

/// <summary>Why a JWT was refused, in words a caller may read (never the token or a key).</summary>
internal static class TokenRejection
{
    public static string Reason(Exception? exception) => exception switch
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
}
