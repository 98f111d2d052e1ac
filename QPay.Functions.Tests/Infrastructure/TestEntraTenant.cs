using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>
/// A stand-in for an Entra ID tenant on loopback: its OIDC metadata and JWKS (an RSA key made
/// here), and access tokens as Entra issues them to a managed identity (v1 or v2 issuer,
/// <c>appid</c>/<c>azp</c>, <c>roles</c>). Tokens of <see cref="Stranger"/> are signed by a key
/// the JWKS does not hold.
/// </summary>
internal sealed class TestEntraTenant : IAsyncDisposable
{
    public const string Audience = "api://qpay-payments-test";
    public const string Role = "Payments.Internal";
    public const string CallerAppId = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;
    private int _metadataRequests;

    private TestEntraTenant(WebApplication app, RsaSecurityKey key, string tenantId, Uri baseUrl)
    {
        _app = app;
        _key = key;
        TenantId = tenantId;
        Authority = new Uri(baseUrl, tenantId + "/v2.0").ToString();
    }

    public string TenantId { get; }

    /// <summary>The loopback authority, as INTERNAL_AUTH_ENTRA_AUTHORITY.</summary>
    public string Authority { get; }

    public string V1Issuer => $"https://sts.windows.net/{TenantId}/";

    public string V2Issuer => $"https://login.microsoftonline.com/{TenantId}/v2.0";

    /// <summary>How often the metadata document was fetched.</summary>
    public int MetadataRequests => Volatile.Read(ref _metadataRequests);

    /// <summary>A key of nobody's tenant.</summary>
    public static SigningCredentials Stranger { get; } = new(new RsaSecurityKey(RSA.Create(2048)) { KeyId = "stranger" }, SecurityAlgorithms.RsaSha256);

    public static async Task<TestEntraTenant> StartAsync()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key-" + Guid.NewGuid().ToString("N")[..8] };
        var tenantId = Guid.NewGuid().ToString("D");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        TestEntraTenant? tenant = null;
        app.MapGet($"/{tenantId}/v2.0/.well-known/openid-configuration", (HttpContext context) =>
        {
            Interlocked.Increment(ref tenant!._metadataRequests);
            var origin = $"{context.Request.Scheme}://{context.Request.Host}";
            return Results.Text(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["issuer"] = tenant.V2Issuer,
                ["jwks_uri"] = $"{origin}/{tenantId}/discovery/v2.0/keys",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }), "application/json");
        });
        app.MapGet($"/{tenantId}/discovery/v2.0/keys", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
            return Results.Text(JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, n = jwk.N, e = jwk.E } },
            }), "application/json");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        tenant = new TestEntraTenant(app, key, tenantId, new Uri(address.TrimEnd('/') + "/"));
        return tenant;
    }

    /// <summary>The settings of INTERNAL_AUTH_MODE=EntraId against this tenant.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["INTERNAL_AUTH_MODE"] = "EntraId",
        ["INTERNAL_AUTH_ENTRA_TENANT_ID"] = TenantId,
        ["INTERNAL_AUTH_ENTRA_AUTHORITY"] = Authority,
        ["INTERNAL_AUTH_ENTRA_AUDIENCE"] = Audience,
        ["INTERNAL_AUTH_ENTRA_ROLE"] = Role,
    };

    /// <summary>An app-only access token like a managed identity's: v1 (<c>appid</c>) unless <paramref name="v2"/> (<c>azp</c>).</summary>
    public string Token(
        string[]? roles = null,
        string? audience = null,
        string? issuer = null,
        DateTime? expires = null,
        bool v2 = false,
        SigningCredentials? signedBy = null,
        string appId = CallerAppId)
    {
        var now = DateTime.UtcNow;
        var expiry = expires ?? now.AddHours(1);
        var claims = new Dictionary<string, object>
        {
            [v2 ? "azp" : "appid"] = appId,
            ["tid"] = TenantId,
            ["oid"] = Guid.NewGuid().ToString("D"),
            ["sub"] = Guid.NewGuid().ToString("D"),
            ["idtyp"] = "app",
        };
        if (roles is not null)
        {
            claims["roles"] = roles;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? (v2 ? V2Issuer : V1Issuer),
            Audience = audience ?? Audience,
            Claims = claims,
            IssuedAt = expiry < now ? expiry.AddMinutes(-10) : now,
            NotBefore = expiry < now ? expiry.AddMinutes(-10) : now,
            Expires = expiry,
            SigningCredentials = signedBy ?? new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
