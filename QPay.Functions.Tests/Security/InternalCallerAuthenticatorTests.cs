using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using QPay.Functions.Security;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Security;

/// <summary>
/// INTERNAL_AUTH_MODE=EntraId against a loopback tenant (its own RSA key, OIDC metadata and
/// JWKS): who is let in, who gets 401 or 403, what is logged; and FunctionKey mode untouched.
/// </summary>
public sealed class InternalCallerAuthenticatorTests : IAsyncLifetime
{
    private TestEntraTenant _tenant = null!;

    public async Task InitializeAsync() => _tenant = await TestEntraTenant.StartAsync();

    public async Task DisposeAsync() => await _tenant.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_managed_identity_token_of_the_tenant_with_the_app_role_is_allowed(bool v2)
    {
        var (authenticator, _) = Create();

        var verdict = await authenticator.AuthenticateAsync($"Bearer {_tenant.Token([TestEntraTenant.Role], v2: v2)}", default);

        Assert.Equal(InternalCallerOutcome.Allowed, verdict.Outcome);
    }

    [Fact]
    public async Task The_role_is_found_among_other_roles()
    {
        var (authenticator, _) = Create();

        var verdict = await authenticator.AuthenticateAsync($"Bearer {_tenant.Token(["Orders.Read", TestEntraTenant.Role])}", default);

        Assert.Equal(InternalCallerOutcome.Allowed, verdict.Outcome);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ")]
    public async Task No_bearer_token_is_401(string? header)
    {
        var (authenticator, logs) = Create();

        var verdict = await authenticator.AuthenticateAsync(header, default);

        Assert.Equal(InternalCallerOutcome.Unauthenticated, verdict.Outcome);
        Assert.Equal(InternalCallerAuthenticator.MissingTokenMessage, verdict.Message);
        Assert.Equal(5175, Assert.Single(logs.GetSnapshot()).Id.Id);
    }

    public static TheoryData<string, string> BadTokens() => new()
    {
        { "audience", "wrong audience" },
        { "issuer", "wrong issuer" },
        { "other-tenant", "wrong issuer" },
        { "expired", "expired" },
        { "signature", "bad signature" },
        { "garbage", "not a JWT" },
        { "malformed", "rejected" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_token_that_is_not_the_tenants_for_this_app_is_401_saying_why(string kind, string reason)
    {
        var (authenticator, logs) = Create();
        string[] roles = [TestEntraTenant.Role];
        var token = kind switch
        {
            "audience" => _tenant.Token(roles, audience: "api://someone-else"),
            "issuer" => _tenant.Token(roles, issuer: "https://login.example.com/" + _tenant.TenantId + "/v2.0"),
            "other-tenant" => _tenant.Token(roles, issuer: $"https://sts.windows.net/{Guid.NewGuid():D}/"),
            "expired" => _tenant.Token(roles, expires: DateTime.UtcNow.AddMinutes(-5)),
            "signature" => _tenant.Token(roles, signedBy: TestEntraTenant.Stranger),
            "malformed" => "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
            _ => "not-a-jwt",
        };

        var verdict = await authenticator.AuthenticateAsync($"Bearer {token}", default);

        Assert.Equal(InternalCallerOutcome.Unauthenticated, verdict.Outcome);
        Assert.Contains(reason, verdict.Message);
        var log = Assert.Single(logs.GetSnapshot());
        Assert.Equal(5175, log.Id.Id);
        Assert.Contains(reason, log.Message);
        Assert.DoesNotContain(token, log.Message);
    }

    [Fact]
    public async Task A_rejected_token_logs_the_caller_application_it_claims_never_the_token()
    {
        var (authenticator, logs) = Create();
        var token = _tenant.Token([TestEntraTenant.Role], audience: "api://someone-else");

        await authenticator.AuthenticateAsync($"Bearer {token}", default);

        var log = Assert.Single(logs.GetSnapshot());
        Assert.Contains(TestEntraTenant.CallerAppId, log.Message);
        Assert.DoesNotContain(token.Split('.')[1], log.Message);
        Assert.DoesNotContain(token.Split('.')[2], log.Message);
    }

    [Fact]
    public async Task A_caller_id_that_is_not_an_application_id_is_not_logged()
    {
        var (authenticator, logs) = Create();

        await authenticator.AuthenticateAsync($"Bearer {_tenant.Token([], appId: "alice@example.com\nforged line")}", default);

        var log = Assert.Single(logs.GetSnapshot());
        Assert.DoesNotContain("alice", log.Message);
        Assert.Contains("unknown", log.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Payments.Read")]
    [InlineData("payments.internal")]
    public async Task A_valid_token_without_the_app_role_is_403(string? role)
    {
        string[]? roles = role is null ? null : [role];
        var (authenticator, logs) = Create();

        var verdict = await authenticator.AuthenticateAsync($"Bearer {_tenant.Token(roles, v2: true)}", default);

        Assert.Equal(InternalCallerOutcome.Forbidden, verdict.Outcome);
        Assert.Contains(TestEntraTenant.Role, verdict.Message);
        var log = Assert.Single(logs.GetSnapshot());
        Assert.Equal(5176, log.Id.Id);
        Assert.Contains(TestEntraTenant.CallerAppId, log.Message);
    }

    [Fact]
    public async Task Either_of_several_audiences_is_accepted()
    {
        var settings = Options(_tenant.Settings());
        settings.Audience = "api://qpay-other, " + TestEntraTenant.Audience;
        var (authenticator, _) = Create(settings);

        var verdict = await authenticator.AuthenticateAsync($"Bearer {_tenant.Token([TestEntraTenant.Role])}", default);

        Assert.Equal(InternalCallerOutcome.Allowed, verdict.Outcome);
    }

    [Fact]
    public async Task Function_key_mode_lets_every_caller_in_and_never_fetches_metadata()
    {
        var settings = Options(_tenant.Settings());
        settings.Mode = InternalAuthOptions.FunctionKeyMode;
        var (authenticator, logs) = Create(settings);

        var withoutToken = await authenticator.AuthenticateAsync(null, default);
        var withForeignToken = await authenticator.AuthenticateAsync($"Bearer {_tenant.Token(null, signedBy: TestEntraTenant.Stranger)}", default);

        Assert.Equal(InternalCallerOutcome.Allowed, withoutToken.Outcome);
        Assert.Equal(InternalCallerOutcome.Allowed, withForeignToken.Outcome);
        Assert.Equal(0, _tenant.MetadataRequests);
        Assert.Empty(logs.GetSnapshot());
    }

    [Fact]
    public async Task Entra_mode_fetches_the_metadata_once_for_many_calls()
    {
        var (authenticator, _) = Create();

        for (var i = 0; i < 3; i++)
        {
            await authenticator.AuthenticateAsync($"Bearer {_tenant.Token([TestEntraTenant.Role])}", default);
        }

        Assert.Equal(1, _tenant.MetadataRequests);
    }

    private (InternalCallerAuthenticator Authenticator, FakeLogCollector Logs) Create(InternalAuthOptions? settings = null)
    {
        var logger = new FakeLogger<InternalCallerAuthenticator>();
        return (new InternalCallerAuthenticator(Microsoft.Extensions.Options.Options.Create(settings ?? Options(_tenant.Settings())), logger), logger.Collector);
    }

    private static InternalAuthOptions Options(IReadOnlyDictionary<string, string?> settings) => new()
    {
        Mode = settings["INTERNAL_AUTH_MODE"]!,
        TenantId = settings["INTERNAL_AUTH_ENTRA_TENANT_ID"],
        Authority = settings["INTERNAL_AUTH_ENTRA_AUTHORITY"],
        Audience = settings["INTERNAL_AUTH_ENTRA_AUDIENCE"],
        Role = settings["INTERNAL_AUTH_ENTRA_ROLE"],
    };
}
