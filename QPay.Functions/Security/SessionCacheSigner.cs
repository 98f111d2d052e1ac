using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace QPay.Functions.Security;

/// <summary>How a cached copy's MAC compares with the server's keys.</summary>
public enum CacheMacCheck
{
    /// <summary>Signed under the current key: the copy is the server's own.</summary>
    Valid,

    /// <summary>
    /// Signed under the key before the last rotation. Not trusted (a rotation may be a leak), but it
    /// tells a rotation apart from someone writing to Redis.
    /// </summary>
    PreviousKey,

    /// <summary>Not signed by this server: forged, altered or garbled.</summary>
    Invalid,
}

/// <summary>
/// The MAC on every copy of a session kept in Redis, so that a copy someone else wrote there is
/// never taken for the server's: the amount and the user a payment decision uses come from Table
/// Storage or from a copy the server itself signed.
/// </summary>
public interface ISessionCacheSigner
{
    /// <summary>HMAC-SHA256 of (version, cached-at, session bytes) under the current cache key.</summary>
    byte[] Sign(long version, long cachedAtMs, ReadOnlySpan<byte> session);

    /// <summary>Checks <paramref name="mac"/> in constant time against the current key, then the previous one.</summary>
    CacheMacCheck Verify(long version, long cachedAtMs, ReadOnlySpan<byte> session, ReadOnlySpan<byte> mac);
}

/// <remarks>
/// The key is derived from <c>QPAY_WEBHOOK_SECRET</c> with HKDF (so no new setting, and no value
/// of <c>HMAC(secret, sessionId)</c> — a webhook token — can ever equal it), re-derived whenever
/// the options monitor shows another secret, so a rotation in Key Vault needs no restart. Copies
/// signed before a rotation stop verifying: they are read from Table Storage again and re-signed.
/// </remarks>
internal sealed class SessionCacheSigner(IOptionsMonitor<WebhookTokenOptions> options) : ISessionCacheSigner
{
    public const int MacBytes = 32;

    private static readonly byte[] Purpose = "qpay-session-cache-v1"u8.ToArray();

    private DerivedKey? _current;

    public byte[] Sign(long version, long cachedAtMs, ReadOnlySpan<byte> session)
    {
        var mac = new byte[MacBytes];
        Compute(CurrentKey(), version, cachedAtMs, session, mac);
        return mac;
    }

    public CacheMacCheck Verify(long version, long cachedAtMs, ReadOnlySpan<byte> session, ReadOnlySpan<byte> mac)
    {
        var key = CurrentKey(); // first, so a missing secret fails closed whatever the copy looks like
        if (mac.Length != MacBytes)
        {
            return CacheMacCheck.Invalid;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Compute(key, version, cachedAtMs, session, expected);
        if (CryptographicOperations.FixedTimeEquals(expected, mac))
        {
            return CacheMacCheck.Valid;
        }

        // Only on the rare failing path: the previous key never makes a copy trusted.
        if (options.CurrentValue.PreviousSecret is { Length: > 0 } previous)
        {
            Compute(Derive(previous), version, cachedAtMs, session, expected);
            if (CryptographicOperations.FixedTimeEquals(expected, mac))
            {
                return CacheMacCheck.PreviousKey;
            }
        }

        return CacheMacCheck.Invalid;
    }

    /// <summary>Fixed-width big-endian version and time, then the session: no two inputs encode alike.</summary>
    private static void Compute(byte[] key, long version, long cachedAtMs, ReadOnlySpan<byte> session, Span<byte> destination)
    {
        Span<byte> header = stackalloc byte[2 * sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(header, version);
        BinaryPrimitives.WriteInt64BigEndian(header[sizeof(long)..], cachedAtMs);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(header);
        hmac.AppendData(session);
        hmac.GetHashAndReset(destination);
    }

    private byte[] CurrentKey()
    {
        var secret = options.CurrentValue.Secret;
        if (string.IsNullOrEmpty(secret))
        {
            // Fail closed, as the webhook tokens do: without a key no copy could be trusted.
            throw new InvalidOperationException("QPAY_WEBHOOK_SECRET is required.");
        }

        var current = Volatile.Read(ref _current);
        if (current is null || !string.Equals(current.Secret, secret, StringComparison.Ordinal))
        {
            current = new DerivedKey(secret, Derive(secret));
            Volatile.Write(ref _current, current);
        }

        return current.Key;
    }

    private static byte[] Derive(string secret) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), MacBytes, salt: [], info: Purpose);

    /// <summary>A class, not a record: a generated ToString would print the secret.</summary>
    private sealed class DerivedKey(string secret, byte[] key)
    {
        public string Secret { get; } = secret;

        public byte[] Key { get; } = key;
    }
}
