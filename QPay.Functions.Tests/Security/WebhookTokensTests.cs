using QPay.Functions.Security;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Security;

public sealed class WebhookTokensTests
{
    private const string Key = "webhook-test-key-0123456789abcdef0123";
    private const string OldKey = "webhook-old-key-0123456789abcdef012345";

    [Fact]
    public void Token_is_the_hex_hmac_sha256_of_the_session_id()
    {
        // Recipe: printf %s session-1 | openssl dgst -sha256 -hmac 'webhook-test-key-0123456789abcdef0123'
        var tokens = Create(Key);

        Assert.Equal("ce7ec13a93821ca5f661a02421a4787a3b1a8319e3a6ef5d0a4b208e4aa7951b", tokens.Create("session-1"));
    }

    [Fact]
    public void Own_token_verifies_and_is_bound_to_its_session()
    {
        var tokens = Create(Key);
        var token = tokens.Create("session-1");

        Assert.True(tokens.Verify("session-1", token));
        Assert.False(tokens.Verify("session-1", token.ToUpperInvariant())); // exactly as issued, not case-folded
        Assert.False(tokens.Verify("session-2", token));
    }

    [Fact]
    public void Token_of_the_previous_key_still_verifies_during_rotation()
    {
        var before = Create(OldKey).Create("session-1");

        Assert.True(Create(Key, previous: OldKey).Verify("session-1", before));
        Assert.False(Create(Key).Verify("session-1", before));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("zz")]
    [InlineData("not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex!")]
    public void Missing_or_malformed_tokens_are_invalid(string? token) =>
        Assert.False(Create(Key).Verify("session-1", token));

    [Fact]
    public void Tampered_token_is_invalid()
    {
        var token = Create(Key).Create("session-1").ToCharArray();
        token[10] = token[10] == 'a' ? 'b' : 'a';

        Assert.False(Create(Key).Verify("session-1", new string(token)));
    }

    [Fact]
    public void Rotation_in_key_vault_applies_without_a_restart()
    {
        var monitor = new TestOptionsMonitor<WebhookTokenOptions>(new WebhookTokenOptions { Secret = OldKey });
        var tokens = new WebhookTokens(monitor);
        var signedBefore = tokens.Create("session-1");

        monitor.Set(new WebhookTokenOptions { Secret = Key, PreviousSecret = OldKey });

        Assert.True(tokens.Verify("session-1", signedBefore));
        Assert.NotEqual(signedBefore, tokens.Create("session-1"));
    }

    private static WebhookTokens Create(string key, string? previous = null) =>
        new(new TestOptionsMonitor<WebhookTokenOptions>(new WebhookTokenOptions { Secret = key, PreviousSecret = previous }));
}
