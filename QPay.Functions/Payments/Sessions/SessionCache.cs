using System.Text.Json;
using QPay.Functions.Storage;
using StackExchange.Redis;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// The fast copy of a session in Redis (<c>payment-session:&lt;sessionId&gt;</c>, with a TTL).
/// Only a cache: a miss or Redis being down sends readers to Table Storage. A copy cached
/// before Redis last came back from an outage counts as a miss (it may have missed updates).
/// </summary>
public interface ISessionCache
{
    Task<PaymentSession?> GetAsync(string sessionId);

    /// <summary>Caches a session for <paramref name="ttl"/> unless a copy is cached already.</summary>
    Task SetAsync(PaymentSession session, TimeSpan ttl);

    /// <summary>Replaces a cached copy by a newer version, keeping its TTL; never by an older one.</summary>
    Task RefreshAsync(PaymentSession session);

    Task RemoveAsync(string sessionId);
}

internal sealed class RedisSessionCache(RedisConnection redis, TimeProvider clock) : ISessionCache
{
    public const string KeyPrefix = "payment-session:";

    // Replaces the value only if one is cached and its version is lower, keeping the TTL, so that
    // two writers finishing out of order never leave an older status in the cache.
    private static readonly LuaScript ReplaceIfNewer = LuaScript.Prepare("""
        local current = redis.call('GET', @key)
        if not current then return 0 end
        local version = tonumber(string.match(current, '"version":(%d+)'))
        if version and version >= tonumber(@version) then return 0 end
        redis.call('SET', @key, @value, 'KEEPTTL')
        return 1
        """);

    public static string Key(string sessionId) => KeyPrefix + sessionId;

    public async Task<PaymentSession?> GetAsync(string sessionId)
    {
        var value = await redis.TryAsync("session read", db => db.StringGetAsync(Key(sessionId)), RedisValue.Null).ConfigureAwait(false);
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            var cached = JsonSerializer.Deserialize(value.ToString(), SessionJsonContext.Default.CachedSession);
            return cached is null || cached.CachedAt < redis.LastRecoveredAt ? null : cached.Session;
        }
        catch (JsonException)
        {
            return null; // an unreadable copy is a miss; Table Storage has the session
        }
    }

    public Task SetAsync(PaymentSession session, TimeSpan ttl) =>
        redis.TryAsync("session write", db => db.StringSetAsync(Key(session.SessionId), Serialize(session), ttl, When.NotExists), fallback: false);

    public Task RefreshAsync(PaymentSession session) =>
        redis.TryAsync(
            "session refresh",
            db => db.ScriptEvaluateAsync(ReplaceIfNewer, new { key = (RedisKey)Key(session.SessionId), value = Serialize(session), version = session.Version }),
            fallback: RedisResult.Create(RedisValue.Null));

    public Task RemoveAsync(string sessionId) =>
        redis.TryAsync("session remove", db => db.KeyDeleteAsync(Key(sessionId)), fallback: false);

    private string Serialize(PaymentSession session) =>
        JsonSerializer.Serialize(new CachedSession(session, clock.GetUtcNow()), SessionJsonContext.Default.CachedSession);
}

/// <summary>The Redis value: the session and when it was written.</summary>
internal sealed record CachedSession(PaymentSession Session, DateTimeOffset CachedAt);
