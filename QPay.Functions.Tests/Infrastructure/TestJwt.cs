using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>Mints HS256 JWTs like the ones the local settings accept (or deliberately not).</summary>
internal static class TestJwt
{
    public static string LocalSecret => LocalSettings.Values()["AUTH_JWT_SECRET"]!;
    public static string LocalIssuer => LocalSettings.Values()["AUTH_JWT_ISSUER"]!;
    public static string LocalAudience => LocalSettings.Values()["AUTH_JWT_AUDIENCE"]!;

    public static string For(
        string userId,
        string? secret = null,
        string? issuer = null,
        string? audience = null,
        DateTime? expires = null,
        string claim = "sub")
    {
        var now = DateTime.UtcNow;
        var expiry = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(claim, userId)]),
            Issuer = issuer ?? LocalIssuer,
            Audience = audience ?? LocalAudience,
            IssuedAt = expiry < now ? expiry.AddMinutes(-10) : now,
            NotBefore = expiry < now ? expiry.AddMinutes(-10) : now,
            Expires = expiry,
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret ?? LocalSecret)), SecurityAlgorithms.HmacSha256),
        });
    }
}
