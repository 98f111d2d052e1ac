using Microsoft.Extensions.Logging;
using QPay.Functions.Storage;
using StackExchange.Redis;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// The live side of a session's status: the session store publishes every stored status change on
/// the session's Redis channel (<see cref="RedisKeys.SessionStatusChannel"/>), and a waiting status
/// request subscribes to it. A message is only a wake-up call (it carries the new status, but
/// listeners read the session again). With Redis down nothing is published (logged once, by
/// <see cref="RedisConnection"/>) and nobody can subscribe, so waiting requests answer at once.
/// </summary>
public interface ISessionStatusChannel
{
    /// <summary>Publishes in the background: never waits for Redis, never throws.</summary>
    void Publish(string sessionId, SessionStatus status);

    /// <summary>
    /// Calls <paramref name="onChange"/> on each message of the session's channel until the answer is
    /// disposed; null when Redis is unavailable.
    /// </summary>
    Task<IAsyncDisposable?> SubscribeAsync(string sessionId, Action onChange);
}

internal sealed class RedisSessionStatusChannel(RedisConnection redis, ILogger<RedisSessionStatusChannel> logger) : ISessionStatusChannel
{
    public void Publish(string sessionId, SessionStatus status) => _ = PublishAsync(sessionId, status);

    public async Task<IAsyncDisposable?> SubscribeAsync(string sessionId, Action onChange)
    {
        try
        {
            if (await redis.GetSubscriberAsync().ConfigureAwait(false) is not { } subscriber)
            {
                return null;
            }

            var subscription = new Subscription(subscriber, Channel(sessionId), (_, _) => onChange());
            await subscriber.SubscribeAsync(subscription.Channel, subscription.Handler).ConfigureAwait(false);
            return subscription;
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            return null;
        }
    }

    private static RedisChannel Channel(string sessionId) => RedisChannel.Literal(RedisKeys.SessionStatusChannel(sessionId));

    private static bool IsRedisFailure(Exception exception) =>
        exception is RedisException or TimeoutException or ObjectDisposedException;

    private async Task PublishAsync(string sessionId, SessionStatus status)
    {
        try
        {
            // The caller goes on at once, even while the first connection to Redis is being made.
            await Task.Yield();
            await redis.TryAsync(
                "status publish", db => db.PublishAsync(Channel(sessionId), status.ToApi(), CommandFlags.FireAndForget), 0L).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.StatusPublishFailed(logger, sessionId, exception.GetType().Name);
        }
    }

    private sealed record Subscription(ISubscriber Subscriber, RedisChannel Channel, Action<RedisChannel, RedisValue> Handler) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await Subscriber.UnsubscribeAsync(Channel, Handler).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsRedisFailure(exception))
            {
                // The connection went: so did its subscriptions.
            }
        }
    }
}
