using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;
using StackExchange.Redis;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// The fast copy of a session in Redis (<c>payment-session:&lt;sessionId&gt;</c>), kept until
/// <see cref="PaymentOptions.SessionTtl"/> after the session's creation. Only a cache: a miss or
/// Redis being down sends readers to Table Storage. A copy cached before Redis last came back from
/// an outage counts as a miss (it may have missed updates).
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

internal sealed class RedisSessionCache(RedisConnection redis, IOptions<PaymentOptions> options, TimeProvider clock) : ISessionCache
{
    public const string KeyPrefix = "payment-session:";

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
            return cached is null || cached.CachedAtMs < TrustedSinceMs() ? null : cached.Session;
        }
        catch (JsonException)
        {
            return null; // an unreadable copy is a miss; Table Storage has the session
        }
    }

    public Task StoreAsync(PaymentSession session)
    {
        var now = clock.GetUtcNow();
        var ttl = session.CreatedAt + options.Value.SessionTtl - now;
        if (ttl < TimeSpan.FromSeconds(1))
        {
            return Task.CompletedTask;
        }

        var value = JsonSerializer.Serialize(new CachedSession(session.Version, now.ToUnixTimeMilliseconds(), session), SessionJsonContext.Default.CachedSession);
        return redis.TryAsync(
            "session write",
            db => db.ScriptEvaluateAsync(StoreIfNewer, new
            {
                key = (RedisKey)Key(session.SessionId),
                value,
                version = session.Version,
                trustedSince = TrustedSinceMs(),
                ttl = (long)ttl.TotalMilliseconds,
            }),
            fallback: RedisResult.Create(RedisValue.Null));
    }

    public Task RemoveAsync(string sessionId) =>
        redis.TryAsync("session remove", db => db.KeyDeleteAsync(Key(sessionId)), fallback: false);

    private long TrustedSinceMs() => redis.LastRecoveredAt?.ToUnixTimeMilliseconds() ?? 0;
}

/// <summary>The Redis value: version and write time first (the store script reads them), then the session.</summary>
internal sealed record CachedSession(
    [property: JsonPropertyName("v"), JsonPropertyOrder(0)] int Version,
    [property: JsonPropertyName("at"), JsonPropertyOrder(1)] long CachedAtMs,
    [property: JsonPropertyName("session"), JsonPropertyOrder(2)] PaymentSession Session);
