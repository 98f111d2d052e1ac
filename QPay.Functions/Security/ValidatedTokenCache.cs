using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace QPay.Functions.Security;

/// <summary>
/// The user ids of tokens this instance has validated, so that a client polling status with the
/// same token every few seconds is not validated again each time (parsing, signature, claims: more
/// than the rest of the request). Keyed by the SHA-256 of the token, never the token itself. An entry
/// holds until the token's own expiry, without the validator's clock skew, and at most
/// <see cref="MaxAge"/>. Bounded at <see cref="Capacity"/>: when full, expired entries go, and if
/// that frees nothing, all of them. The authenticator starts an empty cache whenever its settings
/// change (a rotated secret, another authority), so a token is never accepted on old settings.
/// </summary>
internal sealed class ValidatedTokenCache(TimeProvider clock)
{
    public const int Capacity = 10_000;

    /// <summary>How long a validation is reused at most, even for a long-lived token.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private const int StackHashLimit = 2048;
    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(string token, out string userId)
    {
        if (_entries.TryGetValue(Hash(token), out var entry) && clock.GetUtcNow().UtcTicks < entry.UntilTicks)
        {
            userId = entry.UserId;
            return true;
        }

        userId = string.Empty;
        return false;
    }

    /// <param name="validTo">The token's <c>exp</c> (UTC).</param>
    public void Add(string token, string userId, DateTime validTo)
    {
        var now = clock.GetUtcNow();
        var until = Math.Min(DateTime.SpecifyKind(validTo, DateTimeKind.Utc).Ticks, (now + MaxAge).UtcTicks);
        if (until <= now.UtcTicks)
        {
            return;
        }

        if (_entries.Count >= Capacity)
        {
            MakeRoom(now.UtcTicks);
        }

        _entries[Hash(token)] = new Entry(userId, until);
    }

    private void MakeRoom(long nowTicks)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.UntilTicks <= nowTicks)
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }
    }

    private static TokenHash Hash(string token)
    {
        var length = Encoding.UTF8.GetByteCount(token);
        byte[]? rented = null;
        var utf8 = length <= StackHashLimit ? stackalloc byte[StackHashLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(token, utf8);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(utf8[..written], hash);
            return new TokenHash(
                BitConverter.ToUInt64(hash[..8]), BitConverter.ToUInt64(hash[8..16]),
                BitConverter.ToUInt64(hash[16..24]), BitConverter.ToUInt64(hash[24..]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private readonly record struct TokenHash(ulong A, ulong B, ulong C, ulong D);

    private readonly record struct Entry(string UserId, long UntilTicks);
}
