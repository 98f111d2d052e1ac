using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Security;
using QPay.Functions.Storage;
using StackExchange.Redis;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// The fast copy of a session in Redis (<c>payment-session:&lt;sessionId&gt;</c>), kept until
/// <see cref="PaymentOptions.SessionTtl"/> after the session's creation, or until it expires if that is later. Only a cache: a miss or
/// Redis being down sends readers to Table Storage. A copy cached before Redis last came back from
/// an outage counts as a miss (it may have missed updates), and so does a copy the server did not
/// sign (<see cref="ISessionCacheSigner"/>): whoever can write to Redis cannot change the amount or
/// the user a payment decision uses.
/// </summary>
public interface ISessionCache
{
    Task<PaymentSession?> GetAsync(string sessionId);

    /// <summary>
    /// Caches the session unless a copy of the same or a newer version is cached already, so two
    /// writers finishing out of order never leave an older status behind (whether the key was
    /// there or not). Past the session's TTL nothing is cached.
    /// </summary>
    Task StoreAsync(PaymentSession session);

    Task RemoveAsync(string sessionId);
}

/// <remarks>
/// The value is <c>{"v":&lt;version&gt;,"at":&lt;cached at, unix ms&gt;,"session":"&lt;session JSON&gt;","mac":"&lt;base64&gt;"}</c>,
/// the MAC over (v, at, the session JSON's exact UTF-8 bytes). The session is a JSON string so the
/// MAC covers the bytes that are read back, with no re-serialisation to agree on.
/// </remarks>
internal sealed class RedisSessionCache(
    RedisConnection redis,
    ISessionCacheSigner signer,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<RedisSessionCache> logger) : ISessionCache, ISessionCacheLock
{

    // Redis is no HTML page: only what JSON requires is escaped, so the session's quotes stay \" (not \u0022).
    private static readonly JsonWriterOptions EnvelopeWriting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The value starts with {"v":<version>,"at":<cached at, unix ms>: compared without parsing the rest.
    private static readonly LuaScript StoreIfNewer = LuaScript.Prepare("""
        local current = redis.call('GET', @key)
        if current then
            local version, at = string.match(current, '^{"v":(%d+),"at":(%d+)')
            if version and tonumber(version) >= tonumber(@version) and tonumber(at) >= tonumber(@trustedSince) then
                return 0
            end
        end
        redis.call('SET', @key, @value, 'PX', @ttl)
        return 1
        """);

    // A rejected copy may claim any version and so block every refresh: it goes, unless replaced meanwhile.
    private static readonly LuaScript DeleteIfUnchanged = LuaScript.Prepare("""
        if redis.call('GET', @key) == @value then
            return redis.call('DEL', @key)
        end
        return 0
        """);

    public static string Key(string sessionId) => RedisKeys.Session(sessionId);

    public async Task<PaymentSession?> GetAsync(string sessionId)
    {
        var value = await redis.TryAsync("session read", db => db.StringGetAsync(Key(sessionId)), RedisValue.Null).ConfigureAwait(false);
        return await AcceptAsync(sessionId, value).ConfigureAwait(false);
    }

    /// <summary>The session of a cached value, if it is a copy to trust; an untrusted copy is discarded.</summary>
    private async Task<PaymentSession?> AcceptAsync(string sessionId, RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var (session, cachedAtMs, rejected) = Open(sessionId, (byte[])value!);
        if (session is null)
        {
            switch (rejected)
            {
                case Rejection.PreviousKey:
                    Log.SessionCacheCopyOfPreviousKey(logger, sessionId);
                    break;
                case Rejection.Unreadable or Rejection.Unsigned or Rejection.BadMac or Rejection.OtherSession:
                    Log.SessionCacheCopyRejected(logger, sessionId, Describe(rejected));
                    break;
            }

            await redis.TryAsync(
                "session discard",
                db => db.ScriptEvaluateAsync(DeleteIfUnchanged, new { key = (RedisKey)Key(sessionId), value }),
                fallback: RedisResult.Create(RedisValue.Null)).ConfigureAwait(false);
            return null; // Table Storage has the session
        }

        return cachedAtMs < TrustedSinceMs() ? null : session;
    }

    public Task StoreAsync(PaymentSession session)
    {
        if (Sealed(session) is not { } seal)
        {
            return Task.CompletedTask;
        }

        var (value, ttl) = seal;

        return redis.TryAsync(
            "session write",
            db => db.ScriptEvaluateAsync(StoreIfNewer, new
            {
                key = (RedisKey)Key(session.SessionId),
                value = (RedisValue)value,
                version = session.Version,
                trustedSince = TrustedSinceMs(),
                ttl,
            }),
            fallback: RedisResult.Create(RedisValue.Null));
    }

    /// <summary>The signed value to cache and its TTL (ms); null past the session's TTL, when nothing is cached.</summary>
    private (byte[] Value, long TtlMs)? Sealed(PaymentSession session)
    {
        var now = clock.GetUtcNow();
        // The copy covers the session's whole life (until it expires), and at least the configured TTL.
        var until = session.CreatedAt + options.Value.SessionTtl;
        var ttl = (session.ExpiresAt > until ? session.ExpiresAt : until) - now;
        return ttl < TimeSpan.FromSeconds(1) ? null : (Seal(session, now.ToUnixTimeMilliseconds()), (long)ttl.TotalMilliseconds);
    }

    public Task RemoveAsync(string sessionId) =>
        redis.TryAsync("session remove", db => db.KeyDeleteAsync(Key(sessionId)), fallback: false);

    private long TrustedSinceMs() => redis.LastRecoveredAt?.ToUnixTimeMilliseconds() ?? 0;

    private byte[] Seal(PaymentSession session, long cachedAtMs)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(session, SessionJsonContext.Default.PaymentSession);
        var mac = signer.Sign(session.Version, cachedAtMs, json);
        var buffer = new ArrayBufferWriter<byte>(json.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer, EnvelopeWriting))
        {
            // v and at first, in this order, with no space: the store script matches them as a prefix.
            writer.WriteStartObject();
            writer.WriteNumber("v", session.Version);
            writer.WriteNumber("at", cachedAtMs);
            writer.WriteString("session", json);
            writer.WriteBase64String("mac", mac);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The session of a copy this server signed for <paramref name="sessionId"/>, else why not.</summary>
    private (PaymentSession? Session, long CachedAtMs, Rejection Rejected) Open(string sessionId, byte[] value)
    {
        if (ReadEnvelope(value, out var version, out var cachedAtMs, out var json, out var mac) is not Rejection.None and var unreadable)
        {
            return (null, 0, unreadable);
        }

        switch (signer.Verify(version, cachedAtMs, json, mac))
        {
            case CacheMacCheck.PreviousKey:
                return (null, 0, Rejection.PreviousKey);
            case not CacheMacCheck.Valid:
                return (null, 0, Rejection.BadMac);
        }

        PaymentSession? session;
        try
        {
            session = JsonSerializer.Deserialize(json, SessionJsonContext.Default.PaymentSession);
        }
        catch (JsonException)
        {
            return (null, 0, Rejection.OutdatedShape);
        }

        return session is null ? (null, 0, Rejection.OutdatedShape)
            : session.SessionId != sessionId ? (null, 0, Rejection.OtherSession)
            : (session, cachedAtMs, Rejection.None);
    }

    /// <summary>
    /// Exactly the four properties in the order written, nothing more: a second <c>v</c> after the
    /// one the store script reads, say, would let the script and this check see different versions.
    /// </summary>
    private static Rejection ReadEnvelope(ReadOnlySpan<byte> value, out long version, out long cachedAtMs, out byte[] json, out byte[] mac)
    {
        version = cachedAtMs = 0;
        json = mac = [];
        try
        {
            var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject
                || !NextProperty(ref reader, "v"u8) || !reader.TryGetInt64(out version)
                || !NextProperty(ref reader, "at"u8) || !reader.TryGetInt64(out cachedAtMs)
                || !NextProperty(ref reader, "session"u8))
            {
                return Rejection.Unreadable;
            }

            if (reader.TokenType == JsonTokenType.StartObject)
            {
                return Rejection.Unsigned; // the session as an object: how values were written before they were signed
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                return Rejection.Unreadable;
            }

            var unescaped = new byte[reader.ValueSpan.Length]; // unescaping never lengthens
            json = unescaped[..reader.CopyString(unescaped)];
            if (!NextProperty(ref reader, "mac"u8) || reader.TokenType != JsonTokenType.String || !reader.TryGetBytesFromBase64(out var presented))
            {
                return Rejection.Unreadable;
            }

            mac = presented;
            // Read throws on anything but whitespace after the object.
            return reader.Read() && reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? Rejection.None : Rejection.Unreadable;
        }
        catch (JsonException)
        {
            return Rejection.Unreadable;
        }
    }

    /// <summary>Reads the next property, which must be <paramref name="name"/>, and moves onto its value.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> name) =>
        reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(name) && reader.Read();

    private static string Describe(Rejection rejection) => rejection switch
    {
        Rejection.Unsigned => "unsigned, in the format from before copies were signed (expected only within the session TTL of that deployment)",
        Rejection.BadMac => "its MAC does not verify: someone else wrote it",
        Rejection.OtherSession => "it is another session's copy: someone copied it in Redis",
        _ => "not a session copy this app writes: someone else wrote it",
    };

    private enum Rejection
    {
        None,

        /// <summary>Not the envelope this server writes (nor one from before signing was deployed).</summary>
        Unreadable,

        /// <summary>The session as a JSON object and no MAC: what this app wrote before copies were signed.</summary>
        Unsigned,
        BadMac,

        /// <summary>Signed before the last key rotation: expected, not an attack.</summary>
        PreviousKey,

        /// <summary>A genuine copy put under another session's key.</summary>
        OtherSession,

        /// <summary>Signed by this server, so not an attack: written by a build whose session had another shape.</summary>
        OutdatedShape,
    }

    // The cached copy and a short lock beside it (the same hash slot: see RedisKeys.CheckLock), in one round trip.
    private static readonly LuaScript GetAndLock = LuaScript.Prepare("""
        local value = redis.call('GET', @key)
        local locked = 0
        if redis.call('SET', @lockKey, @owner, 'NX', 'PX', @lease) then
            locked = 1
        end
        return { value or false, locked }
        """);

    // StoreIfNewer's rule (when a value is given), then the lock's release if it is still ours, in one round trip.
    private static readonly LuaScript StoreAndUnlock = LuaScript.Prepare("""
        if @value ~= '' then
            local current = redis.call('GET', @key)
            local newer = true
            if current then
                local version, at = string.match(current, '^{"v":(%d+),"at":(%d+)')
                if version and tonumber(version) >= tonumber(@version) and tonumber(at) >= tonumber(@trustedSince) then
                    newer = false
                end
            end
            if newer then
                redis.call('SET', @key, @value, 'PX', @ttl)
            end
        end
        if redis.call('GET', @lockKey) == @owner then
            redis.call('DEL', @lockKey)
        end
        return 1
        """);

    public async Task<(PaymentSession? Cached, bool Locked)> GetAndLockAsync(string sessionId, string lockKey, string owner, TimeSpan lease)
    {
        var result = await redis.TryAsync(
            "session read and check lock",
            db => db.ScriptEvaluateAsync(GetAndLock, new { key = (RedisKey)Key(sessionId), lockKey = (RedisKey)lockKey, owner = (RedisValue)owner, lease = (long)lease.TotalMilliseconds }),
            fallback: RedisResult.Create([RedisResult.Create(RedisValue.Null), RedisResult.Create((RedisValue)1)])).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var cached = await AcceptAsync(sessionId, (RedisValue)parts[0]).ConfigureAwait(false);
        return (cached, (long)parts[1] == 1);
    }

    public Task StoreAndUnlockAsync(string sessionId, PaymentSession? session, string lockKey, string owner)
    {
        var (value, ttl) = session is null ? default : Sealed(session) ?? default;
        return redis.TryAsync(
            "session write and check lock release",
            db => db.ScriptEvaluateAsync(StoreAndUnlock, new
            {
                key = (RedisKey)Key(sessionId),
                lockKey = (RedisKey)lockKey,
                owner = (RedisValue)owner,
                value = value is null ? RedisValue.EmptyString : (RedisValue)value,
                version = session?.Version ?? 0,
                trustedSince = TrustedSinceMs(),
                ttl,
            }),
            fallback: RedisResult.Create(RedisValue.Null));
    }
}
