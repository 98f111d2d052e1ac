using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Payments;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using StackExchange.Redis;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// Live status (issue 19): a status request with <c>waitSec</c>/<c>known</c> waits for a change
/// published on the session's Redis channel, on any instance; against Azurite, Redis and the sandbox.
/// </summary>
public sealed class LiveStatusTests
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    // Far below the 20 s wait: an answer this soon was woken by the change, not by the wait's end.
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_waiting_request_answers_soon_after_the_callback_and_the_orders_that_process_the_payment()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = User("paid");
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await harness.PayAsync(invoiceId);

        var waiting = StatusAsync(harness, user, sessionId, "waitSec=20&known=PENDING");
        await SubscribedAsync(harness, sessionId);
        Assert.False(waiting.IsCompleted);
        var changed = Stopwatch.StartNew();
        await harness.CallbackAsync(invoiceId, paymentId);
        var afterCallback = await waiting;
        var callbackToAnswer = changed.Elapsed;

        var status = afterCallback.Body.GetProperty("status").GetString();
        var processedAnswer = afterCallback;
        var ordersToAnswer = TimeSpan.Zero;
        if (status == "PAID")
        {
            // The orders are made by the queue: the client waits again, knowing PAID.
            var again = StatusAsync(harness, user, sessionId, "waitSec=20&known=PAID");
            await SubscribedAsync(harness, sessionId);
            changed.Restart();
            await harness.ProcessOrderQueueAsync();
            processedAnswer = await again;
            ordersToAnswer = changed.Elapsed;
        }

        Assert.Equal(StatusCodes.Status200OK, afterCallback.Status);
        Assert.Contains(status, new[] { "PAID", "PROCESSED" });
        Assert.True(callbackToAnswer < Soon, $"answered {callbackToAnswer} after the callback started");
        Assert.Equal("PROCESSED", processedAnswer.Body.GetProperty("status").GetString());
        Assert.True(ordersToAnswer < Soon, $"answered {ordersToAnswer} after the orders were started");
        Assert.Equal(2, processedAnswer.Body.GetProperty("orderIds").GetArrayLength());
        Assert.False(processedAnswer.Body.TryGetProperty("invoice", out _));
    }

    [Fact]
    public async Task A_change_made_on_another_instance_wakes_a_request_waiting_on_this_one()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var second = harness.StartInstance();
        var user = User("instances");
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);
        using var metrics = new RecordedMetrics(harness);

        var waiting = InternalStatusAsync(harness, user, sessionId, "waitSec=20&known=PENDING");
        await SubscribedAsync(harness, sessionId);
        var changed = Stopwatch.StartNew();
        var cancel = await PaymentsHarness.InvokeAsync(
            ActivatorUtilities.CreateInstance<CancelFunctions>(second).CancelSession,
            HttpRequests.Json("POST", new { sessionId }, bearer: TestJwt.For(user)));
        var answer = await waiting;
        var elapsed = changed.Elapsed;

        Assert.Equal(StatusCodes.Status200OK, cancel.Status);
        Assert.Equal("CANCELLED", answer.Body.GetProperty("status").GetString());
        Assert.True(elapsed < Soon, $"answered {elapsed} after the cancel started");
        Assert.False(answer.Body.TryGetProperty("invoice", out _));
        Assert.Equal(1, metrics.Sum("qpay.status.waits", "outcome=changed"));
    }

    [Fact]
    public async Task A_known_status_that_differs_or_no_known_status_answers_at_once()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = User("differs");
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);
        using var metrics = new RecordedMetrics(harness);

        var clock = Stopwatch.StartNew();
        var differs = await StatusAsync(harness, user, sessionId, "waitSec=20&known=PAID");
        var noKnown = await StatusAsync(harness, user, sessionId, "waitSec=20");
        var noWait = await StatusAsync(harness, user, sessionId, "known=PENDING");
        var elapsed = clock.Elapsed;

        Assert.All([differs, noKnown, noWait], a => Assert.Equal("PENDING", a.Body.GetProperty("status").GetString()));
        Assert.True(elapsed < Soon, $"three answers took {elapsed}");
        Assert.Equal(2, metrics.Sum("qpay.status.waits", "outcome=immediate")); // known without waitSec is no wait
    }

    [Fact]
    public async Task Without_a_change_the_request_answers_the_unchanged_status_when_the_wait_ends()
    {
        var (harness, clock) = await PaymentsHarness.StartWithFakeClockAsync();
        await using var _ = harness;
        var user = User("unchanged");
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);

        using var metrics = new RecordedMetrics(harness);
        var waiting = StatusAsync(harness, user, sessionId, "waitSec=2&known=PENDING");
        await SubscribedAsync(harness, sessionId);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(200); // room for a wrongly early answer to show
        var earlyAnswer = waiting.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(1));
        var answer = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(earlyAnswer);
        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal("PENDING", answer.Body.GetProperty("status").GetString());
        Assert.Equal(0, await SubscribersAsync(harness, sessionId)); // unsubscribed at the end
        Assert.Equal(1, metrics.Sum("qpay.status.waits", "outcome=timeout"));
    }

    [Fact]
    public async Task A_real_wait_without_a_change_lasts_its_waitSec()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = User("wait1");
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);

        var clock = Stopwatch.StartNew();
        var answer = await StatusAsync(harness, user, sessionId, "waitSec=1&known=PENDING");

        Assert.Equal("PENDING", answer.Body.GetProperty("status").GetString());
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.95), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_waiting_request_counts_once_against_the_rate_limit()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["STATUS_RATE_LIMIT_PER_MINUTE"] = "2" });
        var user = User("limit"); // the window lives in the shared Redis
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);

        var waited = await StatusAsync(harness, user, sessionId, "waitSec=2&known=PENDING");
        var second = await StatusAsync(harness, user, sessionId, "");
        var third = await StatusAsync(harness, user, sessionId, "waitSec=2&known=PENDING");

        Assert.Equal(StatusCodes.Status200OK, waited.Status);
        Assert.Equal(StatusCodes.Status200OK, second.Status);
        Assert.Equal(StatusCodes.Status429TooManyRequests, third.Status);
        Assert.Equal("RATE_LIMITED", third.Error);
    }

    [Fact]
    public async Task A_client_going_away_ends_the_wait_quietly_and_unsubscribes()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = User("gone");
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);
        using var gone = new CancellationTokenSource();
        using var metrics = new RecordedMetrics(harness);

        var clock = Stopwatch.StartNew();
        var waiting = harness.Function<StatusFunctions>().PaymentStatus(HttpRequests.Get($"sessionId={sessionId}&waitSec=20&known=PENDING", bearer: TestJwt.For(user)), gone.Token);
        await SubscribedAsync(harness, sessionId);
        await gone.CancelAsync();
        await waiting;

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"ended after {clock.Elapsed}");
        Assert.Equal(0, await SubscribersAsync(harness, sessionId));
        Assert.Equal(1, metrics.Sum("qpay.status.waits", "outcome=gone"));
    }

    [Fact]
    public async Task With_redis_down_a_waiting_request_answers_at_once_and_status_changes_still_succeed()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["REDIS_DATABASE_URI"] = "redis://127.0.0.1:1" });
        var user = User("redis-down");
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);
        using var metrics = new RecordedMetrics(harness);

        var clock = Stopwatch.StartNew();
        var waited = await StatusAsync(harness, user, sessionId, "waitSec=20&known=PENDING");
        var elapsed = clock.Elapsed;
        var cancel = await harness.CancelAsync(user, sessionId);
        var after = await StatusAsync(harness, user, sessionId, "waitSec=20&known=PENDING");

        Assert.Equal(StatusCodes.Status200OK, waited.Status);
        Assert.Equal("PENDING", waited.Body.GetProperty("status").GetString());
        Assert.True(elapsed < Soon, $"answered after {elapsed}");
        Assert.Equal(StatusCodes.Status200OK, cancel.Status);
        Assert.Equal("CANCELLED", after.Body.GetProperty("status").GetString());
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), r => r.Id.Name == "StatusPublishFailed");
        Assert.Equal(1, metrics.Sum("qpay.status.waits", "outcome=unavailable"));
        Assert.Equal(1, metrics.Sum("qpay.status.waits", "outcome=immediate")); // CANCELLED differs from PENDING
    }

    [Fact]
    public async Task A_pending_answer_carries_the_seed_answers_invoice_for_the_owner_only()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = User("invoice");
        var seeded = await harness.SeedAsync(user, Carts.TwoSellers);
        var sessionId = seeded.Body.GetProperty("sessionId").GetString()!;
        var seedInvoice = seeded.Body.GetProperty("invoice");

        var pending = await StatusAsync(harness, user, sessionId, "");
        var pendingInternal = await InternalStatusAsync(harness, user, sessionId, "");
        var intruder = await StatusAsync(harness, User("intruder"), sessionId, "waitSec=2&known=PENDING");

        Assert.Equal(StatusCodes.Status200OK, seeded.Status);
        Assert.Equal(seedInvoice.GetRawText(), pending.Body.GetProperty("invoice").GetRawText());
        Assert.Equal(seedInvoice.GetRawText(), pendingInternal.Body.GetProperty("invoice").GetRawText());
        Assert.NotEmpty(pending.Body.GetProperty("invoice").GetProperty("qrImage").GetString()!);
        Assert.True(pending.Body.GetProperty("invoice").GetProperty("deeplinks").GetArrayLength() > 0);
        Assert.Equal(StatusCodes.Status404NotFound, intruder.Status);
        Assert.False(intruder.Body.TryGetProperty("invoice", out _));
    }

    [Fact]
    public async Task Every_stored_status_change_is_published_once_and_a_write_that_keeps_the_status_is_not()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = User("publish");
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var messages = new List<string>();
        var subscriber = (await harness.Get<RedisConnection>().GetSubscriberAsync())!;
        var channel = RedisChannel.Literal(RedisKeys.SessionStatusChannel(sessionId));
        await subscriber.SubscribeAsync(channel, (_, value) => { lock (messages) { messages.Add(value!); } });

        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        await harness.ProcessOrderQueueAsync();
        await harness.CallbackAsync(invoiceId, "again"); // a duplicate callback changes nothing
        await Eventually.UntilAsync(() => { lock (messages) { return messages.Contains("PROCESSED"); } }, "PROCESSED published");
        await Task.Delay(300); // room for a wrong extra message to arrive
        await subscriber.UnsubscribeAsync(channel);

        lock (messages)
        {
            Assert.Equal(["PAID", "PROCESSED"], messages);
        }
    }

    private static string User(string name) => $"user-live-{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private static Task<Answer> StatusAsync(PaymentsHarness harness, string userId, string sessionId, string live) =>
        PaymentsHarness.InvokeAsync(
            harness.Function<StatusFunctions>().PaymentStatus,
            HttpRequests.Get($"sessionId={sessionId}&{live}", bearer: TestJwt.For(userId)));

    private static Task<Answer> InternalStatusAsync(PaymentsHarness harness, string userId, string sessionId, string live) =>
        PaymentsHarness.InvokeAsync(
            harness.Function<StatusFunctions>().InternalPaymentStatus,
            HttpRequests.Get($"sessionId={sessionId}&userId={userId}&{live}", headers: Internal));

    private static Task SubscribedAsync(PaymentsHarness harness, string sessionId) =>
        Eventually.UntilAsync(async () => await SubscribersAsync(harness, sessionId) > 0, "a subscription to the session's channel");

    private static async Task<long> SubscribersAsync(PaymentsHarness harness, string sessionId)
    {
        var db = await harness.Get<RedisConnection>().GetDatabaseAsync();
        var reply = (RedisResult[])(await db.ExecuteAsync("PUBSUB", "NUMSUB", RedisKeys.SessionStatusChannel(sessionId)))!;
        return (long)reply[1];
    }
}
