using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Seeding;
using QPay.Functions.Security;

namespace QPay.Functions.CheckoutWidget;

/// <summary>A demo payment: its session id and the dev token of the demo user (for the access_token cookie).</summary>
public sealed record DemoPayment(string? SessionId, string? Token, string? Problem);

/// <summary>
/// The local demo (CHECKOUT_DEMO_ENABLED): seeds a cart of the demo catalogue (scripts/demo-catalog: the
/// mug and the tea of two shops) for one fixed demo user, and makes that user a dev token the way
/// scripts/dev-token.sh does (HS256 with AUTH_JWT_SECRET, the issuer and audience of the settings).
/// </summary>
public sealed class DemoCheckout(
    SeedSessionService sessions,
    IOptions<JwtAuthOptions> jwt,
    IOptions<EbarimtOptions> ebarimt,
    TimeProvider clock)
{
    public const string DemoUserId = "checkout-demo";
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    /// <summary>The demo cart, priced as the demo catalogue prices it (USD).</summary>
    public const string DemoCart = """
        {"cart":[{"productId":"p-mug","quantity":2,"sale_price":10.25,"shopId":"shop-a"},{"productId":"p-tea","quantity":1,"sale_price":5,"shopId":"shop-b"}],
         "sellers":["shop-a","shop-b"],"totalAmount":25.5}
        """;

    public async Task<DemoPayment> StartAsync(CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize(DemoCart, SeedingJsonContext.Default.SeedSessionRequest)!;
        if (CheckoutValidator.Validate(request, out var checkout) is { } invalid)
        {
            return new DemoPayment(null, null, invalid.Message);
        }

        var (receiver, _) = EbarimtReceivers.Validate(null, ebarimt.Value);
        var result = await sessions.CreateAsync(DemoUserId, checkout!, "demo", life: null, receiver, cancellationToken);
        if (result.Refused is { } refused)
        {
            return new DemoPayment(null, null, $"The demo catalogue is not loaded or has changed ({refused.Error}); run scripts/dev.sh.");
        }

        return result.Succeeded
            ? new DemoPayment(result.Session!.SessionId, Token(), null)
            : new DemoPayment(null, null, "QPay could not create the invoice; is the sandbox running?");
    }

    /// <summary>A dev JWT for the demo user, as scripts/dev-token.sh makes one.</summary>
    public string Token()
    {
        var settings = jwt.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(settings.UserIdClaim, DemoUserId)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + TokenLifetime,
            Issuer = string.IsNullOrEmpty(settings.Issuer) ? null : settings.Issuer,
            Audience = string.IsNullOrEmpty(settings.Audience) ? null : settings.Audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.Secret!)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
