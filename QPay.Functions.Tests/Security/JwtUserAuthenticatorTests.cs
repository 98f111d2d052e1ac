using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using QPay.Functions.Security;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Security;

public sealed class JwtUserAuthenticatorTests
{
    private readonly JwtUserAuthenticator _authenticator = Create(new JwtAuthOptions
    {
        Secret = TestJwt.LocalSecret,
        Issuer = TestJwt.LocalIssuer,
        Audience = TestJwt.LocalAudience,
    });

    [Fact]
    public async Task Bearer_token_signed_with_the_local_secret_yields_the_user_id()
    {
        var result = await _authenticator.AuthenticateAsync($"Bearer {TestJwt.For("alice")}", null, default);

        Assert.Equal("alice", result.UserId);
    }

    [Fact]
    public async Task Access_token_cookie_alone_is_accepted()
    {
        var result = await _authenticator.AuthenticateAsync(null, TestJwt.For("bob"), default);

        Assert.Equal("bob", result.UserId);
    }

    [Fact]
    public async Task Bearer_header_wins_over_the_cookie()
    {
        var result = await _authenticator.AuthenticateAsync($"Bearer {TestJwt.For("alice")}", TestJwt.For("mallory"), default);

        Assert.Equal("alice", result.UserId);
    }

    public static TheoryData<string, string> RejectedTokens() => new()
    {
        { TestJwt.For("alice", expires: DateTime.UtcNow.AddMinutes(-5)), "Invalid token: expired." },
        { TestJwt.For("alice", secret: "another-secret-of-at-least-thirty-two-bytes!"), "Invalid token: bad signature." },
        { TestJwt.For("alice", audience: "someone-else"), "Invalid token: wrong audience." },
        { TestJwt.For("alice", issuer: "https://evil.example.com"), "Invalid token: wrong issuer." },
        { TestJwt.For("alice", claim: "uid"), "Invalid token: it has no 'sub' claim." },
        { TestJwt.For("alice/../bob"), "Invalid token: its 'sub' claim is not a usable user id" },
        { "not-a-jwt", "Invalid token: not a JWT." },
    };

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public async Task Bad_tokens_are_rejected_with_a_reason(string token, string expected)
    {
        var result = await _authenticator.AuthenticateAsync($"Bearer {token}", null, default);

        Assert.False(result.Succeeded);
        Assert.StartsWith(expected, result.Failure);
        Assert.DoesNotContain(token, result.Failure);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("Basic dXNlcjpwYXNz", null)]
    [InlineData("Bearer", null)]
    public async Task Missing_token_asks_for_one(string? header, string? cookie)
    {
        var result = await _authenticator.AuthenticateAsync(header, cookie, default);

        Assert.Equal(JwtUserAuthenticator.MissingTokenMessage, result.Failure);
    }

    [Fact]
    public async Task User_id_claim_is_configurable()
    {
        var authenticator = Create(new JwtAuthOptions { Secret = TestJwt.LocalSecret, UserIdClaim = "uid" });

        var result = await authenticator.AuthenticateAsync($"Bearer {TestJwt.For("carol", claim: "uid")}", null, default);

        Assert.Equal("carol", result.UserId);
    }

    [Fact]
    public async Task Token_printed_by_dev_token_script_is_accepted_by_the_local_settings()
    {
        var start = new ProcessStartInfo("bash", [TestPaths.InRepository("scripts", "dev-token.sh"), "dave"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["QPAY_SETTINGS_FILE"] = TestPaths.InRepository("local.settings.sample.json");
        using var process = Process.Start(start)!;
        var token = (await process.StandardOutput.ReadToEndAsync()).Trim();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        var result = await _authenticator.AuthenticateAsync($"Bearer {token}", null, default);
        Assert.Equal("dave", result.UserId);
    }

    [Fact]
    public async Task Rotated_secret_applies_without_a_restart()
    {
        const string rotated = "rotated-jwt-secret-of-at-least-32-bytes!!";
        var monitor = new TestOptionsMonitor<JwtAuthOptions>(new JwtAuthOptions { Secret = TestJwt.LocalSecret });
        var authenticator = new JwtUserAuthenticator(monitor, NullLogger<JwtUserAuthenticator>.Instance);
        var beforeRotation = await authenticator.AuthenticateAsync($"Bearer {TestJwt.For("erin", secret: rotated)}", null, default);

        monitor.Set(new JwtAuthOptions { Secret = rotated });
        var afterRotation = await authenticator.AuthenticateAsync($"Bearer {TestJwt.For("erin", secret: rotated)}", null, default);

        Assert.False(beforeRotation.Succeeded);
        Assert.Equal("erin", afterRotation.UserId);
    }

    [Fact]
    public async Task A_token_accepted_before_a_rotation_is_validated_again_after_it()
    {
        const string rotated = "rotated-jwt-secret-of-at-least-32-bytes!!";
        var monitor = new TestOptionsMonitor<JwtAuthOptions>(new JwtAuthOptions { Secret = TestJwt.LocalSecret });
        var authenticator = new JwtUserAuthenticator(monitor, NullLogger<JwtUserAuthenticator>.Instance);
        var token = TestJwt.For("frank");
        var first = await authenticator.AuthenticateAsync($"Bearer {token}", null, default);
        var again = await authenticator.AuthenticateAsync($"Bearer {token}", null, default);

        monitor.Set(new JwtAuthOptions { Secret = rotated });
        var afterRotation = await authenticator.AuthenticateAsync($"Bearer {token}", null, default);

        Assert.Equal("frank", first.UserId);
        Assert.Equal("frank", again.UserId);
        Assert.False(afterRotation.Succeeded);
        Assert.Equal("Invalid token: bad signature.", afterRotation.Failure);
    }

    [Fact]
    public async Task A_cached_acceptance_answers_the_same_token_only()
    {
        var accepted = await _authenticator.AuthenticateAsync($"Bearer {TestJwt.For("grace")}", null, default);
        var forged = await _authenticator.AuthenticateAsync($"Bearer {TestJwt.For("grace", secret: "another-secret-of-at-least-thirty-two-bytes!")}", null, default);

        Assert.Equal("grace", accepted.UserId);
        Assert.False(forged.Succeeded);
    }

    private static JwtUserAuthenticator Create(JwtAuthOptions options) =>
        new(new TestOptionsMonitor<JwtAuthOptions>(options), NullLogger<JwtUserAuthenticator>.Instance);
}
