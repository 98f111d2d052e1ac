using System.Diagnostics;
using System.Net;
using System.Text.Json;
using StackExchange.Redis;

namespace QPay.Benchmarks;

/// <summary>
/// Live status (issue 19): a client that waits (waitSec=20, known=its last status) from the
/// customer's payment to PROCESSED, and the requests a client makes in 60 s of waiting, live
/// (waitSec=25) against polling every 3 s.
/// </summary>
internal static class LiveStatus
{
    public const int WaitSec = 20;
    public static readonly TimeSpan Watch = TimeSpan.FromSeconds(60);

    /// <summary>
    /// For each session one at a time: a waiting client, then the sandbox payment and QPay's
    /// callback. Series live.pay-to-processed (payment → the client's PROCESSED answer),
    /// live.published-to-answer (the PROCESSED publish, i.e. the orders existing → the answer) and
    /// live.requests (status requests the client made).
    /// </summary>
    public static async Task RunAsync(BenchStack stack, Uri app, IReadOnlyList<Seeded> sessions, Func<string, string> jwt, BenchResults results)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:6379");
        var subscriber = redis.GetSubscriber();
        foreach (var session in sessions)
        {
            var channel = RedisChannel.Literal("qpay:status:" + session.SessionId);
            var published = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            await subscriber.SubscribeAsync(channel, (_, value) =>
            {
                if (value == "PROCESSED")
                {
                    published.TrySetResult(Stopwatch.GetTimestamp());
                }
            });
            try
            {
                var client = ClientAsync(stack, app, session, jwt(session.UserId));
                await SubscribedAsync(redis.GetDatabase(), channel, 2); // the client's wait and ours
                var paid = Stopwatch.GetTimestamp();
                await stack.PayAsync(session);
                await stack.CallbackAsync(session.CallbackUrl ?? await stack.CallbackUrlAsync(session.InvoiceId));
                var (answeredAt, requests) = await client;
                results["live.pay-to-processed"].Add(Stopwatch.GetElapsedTime(paid, answeredAt).TotalMilliseconds);
                var publishedAt = await published.Task.WaitAsync(TimeSpan.FromSeconds(30));
                results["live.published-to-answer"].Add(Math.Max(0, Stopwatch.GetElapsedTime(publishedAt, answeredAt).TotalMilliseconds));
                results["live.requests"].Add(requests);
            }
            catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException or TimeoutException)
            {
                results["live.pay-to-processed"].AddError();
            }
            finally
            {
                await subscriber.UnsubscribeAsync(channel);
            }
        }
    }

    /// <summary>Two clients for <see cref="Watch"/> on a session nobody pays: live (waitSec=25) and polling every 3 s. Answers their request counts.</summary>
    public static async Task<(int Live, int Polling)> WatchAsync(BenchStack stack, Uri app, Seeded live, Seeded polled, string liveJwt, string polledJwt)
    {
        async Task<int> Live()
        {
            var end = Stopwatch.GetTimestamp() + (long)(Watch.TotalSeconds * Stopwatch.Frequency);
            var count = 0;
            while (Stopwatch.GetTimestamp() < end)
            {
                var left = (int)Math.Ceiling((end - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                await StatusAsync(stack, app, live.SessionId, liveJwt, $"&waitSec={Math.Clamp(left, 1, 25)}&known=PENDING");
                count++;
            }

            return count;
        }

        async Task<int> Polling()
        {
            var count = 0;
            for (var at = TimeSpan.Zero; at < Watch; at += TimeSpan.FromSeconds(3))
            {
                var started = Stopwatch.GetTimestamp();
                await StatusAsync(stack, app, polled.SessionId, polledJwt, string.Empty);
                count++;
                var spent = Stopwatch.GetElapsedTime(started);
                if (spent < TimeSpan.FromSeconds(3))
                {
                    await Task.Delay(TimeSpan.FromSeconds(3) - spent);
                }
            }

            return count;
        }

        var counts = await Task.WhenAll(Live(), Polling());
        return (counts[0], counts[1]);
    }

    /// <summary>Waits like a page does until PROCESSED: each answer's status is the next request's <c>known</c>.</summary>
    private static async Task<(long AnsweredAt, int Requests)> ClientAsync(BenchStack stack, Uri app, Seeded session, string jwt)
    {
        var known = "PENDING";
        for (var requests = 1; requests <= 10; requests++)
        {
            known = await StatusAsync(stack, app, session.SessionId, jwt, $"&waitSec={WaitSec}&known={known}");
            if (known == "PROCESSED")
            {
                return (Stopwatch.GetTimestamp(), requests);
            }
        }

        throw new InvalidOperationException($"session {session.SessionId} was still {known} after 10 waiting requests");
    }

    private static async Task<string> StatusAsync(BenchStack stack, Uri app, string sessionId, string jwt, string live)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app, $"payments/qpay/status?sessionId={Uri.EscapeDataString(sessionId)}{live}"));
        request.Headers.Authorization = new("Bearer", jwt);
        using var response = await stack.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"status answered {(int)response.StatusCode}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()!;
    }

    private static async Task SubscribedAsync(IDatabase redis, RedisChannel channel, long subscribers)
    {
        for (var i = 0; i < 500; i++)
        {
            var reply = (RedisResult[])(await redis.ExecuteAsync("PUBSUB", "NUMSUB", channel.ToString()))!;
            if ((long)reply[1] >= subscribers)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new InvalidOperationException("the waiting client never subscribed");
    }
}
