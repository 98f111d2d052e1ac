using System.Security.Cryptography;
using QPay.Functions.Security;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Security;

public sealed class SessionCacheSignerTests
{
    private const string Key = "cache-test-key-0123456789abcdef012345";
    private const string OldKey = "cache-old-key-0123456789abcdef01234567";
    private const long Version = 3;
    private const long CachedAtMs = 1_700_000_000_000;
    private static readonly byte[] Session = """{"sessionId":"s-1"}"""u8.ToArray();

    [Fact]
    public void Mac_is_hmac_sha256_of_version_time_and_session_under_an_hkdf_key_of_the_webhook_secret()
    {
        // Pinned so every instance of a rolling deployment agrees. Recipe:
        // K=$(openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt key:cache-test-key-0123456789abcdef012345 \
        //       -kdfopt info:qpay-session-cache-v1 HKDF | tr -d :)
        // { printf '\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x01\x8b\xcf\xe5\x68\x00'; printf %s '{"sessionId":"s-1"}'; } \
        //   | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K
        var mac = Create(Key).Sign(Version, CachedAtMs, Session);

        Assert.Equal("8f3cef2cfc43f5d8c15fe7654fa00b1e8b176a8f0c5d980b128e4336676d4bb0", Convert.ToHexStringLower(mac));
    }

    [Fact]
    public void Own_mac_verifies()
    {
        var signer = Create(Key);

        Assert.Equal(CacheMacCheck.Valid, signer.Verify(Version, CachedAtMs, Session, signer.Sign(Version, CachedAtMs, Session)));
    }

    [Theory]
    [InlineData("session")]
    [InlineData("mac")]
    [InlineData("version")]
    [InlineData("cachedAt")]
    public void A_change_to_any_covered_field_or_the_mac_is_invalid(string changed)
    {
        var signer = Create(Key);
        var mac = signer.Sign(Version, CachedAtMs, Session);
        var session = Session.ToArray();
        switch (changed)
        {
            case "session":
                session[^3] ^= 0x01; // one bit of the id
                break;
            case "mac":
                mac[0] ^= 0x80;
                break;
        }

        var check = signer.Verify(
            changed == "version" ? Version + 1 : Version,
            changed == "cachedAt" ? CachedAtMs + 1 : CachedAtMs,
            session,
            mac);

        Assert.Equal(CacheMacCheck.Invalid, check);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void A_mac_of_the_wrong_length_is_invalid(int length)
    {
        var signer = Create(Key);
        var mac = signer.Sign(Version, CachedAtMs, Session);
        var presented = new byte[length];
        mac.AsSpan(0, Math.Min(length, mac.Length)).CopyTo(presented);

        Assert.Equal(CacheMacCheck.Invalid, signer.Verify(Version, CachedAtMs, Session, presented));
    }

    [Fact]
    public void The_key_is_not_the_webhook_token_of_any_session_id()
    {
        // HMAC(secret, label) would equal the callback token of a session named like the label.
        var token = new WebhookTokens(new TestOptionsMonitor<WebhookTokenOptions>(new() { Secret = Key })).Create("qpay-session-cache-v1");
        byte[] message = [.. new byte[16], .. Session];
        var macUnderToken = HMACSHA256.HashData(Convert.FromHexString(token), message);
        var signer = Create(Key);

        Assert.Equal(CacheMacCheck.Invalid, signer.Verify(0, 0, Session, macUnderToken));
        Assert.NotEqual(macUnderToken, signer.Sign(0, 0, Session));
    }

    [Fact]
    public void After_a_rotation_old_copies_are_not_trusted_but_are_told_apart_from_forgeries()
    {
        var monitor = new TestOptionsMonitor<WebhookTokenOptions>(new() { Secret = OldKey });
        var signer = new SessionCacheSigner(monitor);
        var signedBefore = signer.Sign(Version, CachedAtMs, Session);

        monitor.Set(new WebhookTokenOptions { Secret = Key, PreviousSecret = OldKey });
        var withPrevious = signer.Verify(Version, CachedAtMs, Session, signedBefore);
        var signedAfter = signer.Sign(Version, CachedAtMs, Session);
        monitor.Set(new WebhookTokenOptions { Secret = Key });
        var withoutPrevious = signer.Verify(Version, CachedAtMs, Session, signedBefore);

        Assert.Equal(CacheMacCheck.PreviousKey, withPrevious);
        Assert.Equal(CacheMacCheck.Invalid, withoutPrevious);
        Assert.NotEqual(signedBefore, signedAfter);
        Assert.Equal(CacheMacCheck.Valid, signer.Verify(Version, CachedAtMs, Session, signedAfter));
        Assert.Equal(signedAfter, Create(Key).Sign(Version, CachedAtMs, Session)); // the new key, not a stale cached one
    }

    [Fact]
    public void Without_a_secret_signing_and_verifying_fail_closed()
    {
        var signer = Create("");

        Assert.Throws<InvalidOperationException>(() => signer.Sign(Version, CachedAtMs, Session));
        Assert.Throws<InvalidOperationException>(() => signer.Verify(Version, CachedAtMs, Session, new byte[32]));
    }

    private static SessionCacheSigner Create(string secret) =>
        new(new TestOptionsMonitor<WebhookTokenOptions>(new WebhookTokenOptions { Secret = secret }));
}
