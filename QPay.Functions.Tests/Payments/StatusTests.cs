using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;

namespace QPay.Functions.Tests.Payments;

/// <summary>GET /payments/qpay/status and its internal twin, against Azurite, Redis and the sandbox.</summary>
public sealed class StatusTests
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    [Fact]
    public async Task Status_follows_the_session_from_pending_to_paid_to_processed()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-st-1");

        var pending = await StatusAsync(harness, "user-st-1", sessionId);
        var paymentId = await harness.PayAsync(invoiceId);
        var webhook = await harness.CallbackAsync(invoiceId, paymentId);
        var paid = await StatusAsync(harness, "user-st-1", sessionId);
        await harness.ProcessOrderQueueAsync();
        var processed = await StatusAsync(harness, "user-st-1", sessionId);

        Assert.Equal(["ok", "status", "invoiceId", "orderIds", "paidAmount", "expectedAmount", "expiresAt", "invoice"], pending.Body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("PENDING", pending.Body.GetProperty("status").GetString());
        Assert.Equal(invoiceId, pending.Body.GetProperty("invoiceId").GetString());
        Assert.Equal(Carts.TwoSellersMnt, pending.Body.GetProperty("expectedAmount").GetDecimal());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, pending.Body.GetProperty("paidAmount").ValueKind);
        Assert.Equal("PAID", paid.Body.GetProperty("status").GetString());
        Assert.Equal(Carts.TwoSellersMnt, paid.Body.GetProperty("paidAmount").GetDecimal());
        Assert.Equal("PROCESSED", processed.Body.GetProperty("status").GetString());
        Assert.Equal(
            webhook.Body.GetProperty("orderIds").EnumerateArray().Select(e => e.GetString()),
            processed.Body.GetProperty("orderIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Polling_never_asks_qpay_and_never_queues_anything()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-st-2");
        await harness.PayAsync(invoiceId);
        var callsBefore = harness.Sandbox.Stats.Values.Sum();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("PENDING", (await StatusAsync(harness, "user-st-2", sessionId)).Body.GetProperty("status").GetString());
            await InternalStatusAsync(harness, "user-st-2", sessionId);
        }

        Assert.Equal(callsBefore, harness.Sandbox.Stats.Values.Sum());
        Assert.Equal(0, await harness.QueuedOrderMessagesAsync());
    }

    [Fact]
    public async Task A_session_of_another_user_is_404_like_an_unknown_one()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-st-owner");

        var other = await StatusAsync(harness, "user-st-intruder", sessionId);
        var unknown = await StatusAsync(harness, "user-st-intruder", Guid.NewGuid().ToString("N"));
        var otherInternal = await InternalStatusAsync(harness, "user-st-intruder", sessionId);

        Assert.Equal(StatusCodes.Status404NotFound, other.Status);
        Assert.Equal(StatusCodes.Status404NotFound, unknown.Status);
        Assert.Equal(unknown.Body.ToString(), other.Body.ToString());
        Assert.Equal(StatusCodes.Status404NotFound, otherInternal.Status);
    }

    [Fact]
    public async Task Bad_requests_are_400_401_and_403()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var functions = harness.Function<StatusFunctions>();

        var noSession = await PaymentsHarness.InvokeAsync(functions.PaymentStatus, HttpRequests.Get("", bearer: TestJwt.For("u-st")));
        var noJwt = await PaymentsHarness.InvokeAsync(functions.PaymentStatus, HttpRequests.Get("sessionId=abc"));
        var noHeader = await PaymentsHarness.InvokeAsync(functions.InternalPaymentStatus, HttpRequests.Get("sessionId=abc&userId=u"));
        var noUser = await PaymentsHarness.InvokeAsync(functions.InternalPaymentStatus, HttpRequests.Get("sessionId=abc", headers: Internal));

        Assert.Equal(StatusCodes.Status400BadRequest, noSession.Status);
        Assert.Equal("sessionId", noSession.Body.GetProperty("field").GetString());
        Assert.Equal(StatusCodes.Status401Unauthorized, noJwt.Status);
        Assert.Equal(StatusCodes.Status403Forbidden, noHeader.Status);
        Assert.Equal(StatusCodes.Status400BadRequest, noUser.Status);
        Assert.Equal("userId", noUser.Body.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Over_the_limit_the_answer_is_429_with_retry_after_and_polling_recovers_after_the_window()
    {
        await using var harness = await PaymentsHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["STATUS_RATE_LIMIT_PER_MINUTE"] = "3" },
            // Short enough to wait out, long enough that four sequential calls on a loaded machine fit in one window.
            services: s => s.PostConfigure<PaymentOptions>(o => o.RateLimitWindow = TimeSpan.FromSeconds(10)));
        var user = "user-st-3-" + Guid.NewGuid().ToString("N")[..8]; // the window lives in the shared Redis
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);

        var allowed = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            allowed.Add((await StatusAsync(harness, user, sessionId)).Status);
        }

        var limited = await StatusAsync(harness, user, sessionId);
        var otherUser = await StatusAsync(harness, user + "b", sessionId);
        var retryAfter = int.Parse(limited.Headers.RetryAfter.ToString());
        await Task.Delay(TimeSpan.FromSeconds(retryAfter)); // as a client honouring Retry-After would
        var recovered = await StatusAsync(harness, user, sessionId);

        Assert.All(allowed, status => Assert.Equal(StatusCodes.Status200OK, status));
        Assert.Equal(StatusCodes.Status429TooManyRequests, limited.Status);
        Assert.Equal("RATE_LIMITED", limited.Error);
        Assert.InRange(retryAfter, 1, 11);
        Assert.Contains($"retry after {retryAfter} s", limited.Body.GetProperty("message").GetString());
        Assert.Equal(StatusCodes.Status404NotFound, otherUser.Status); // its own budget, then ownership
        Assert.Equal(StatusCodes.Status200OK, recovered.Status);
    }

    [Fact]
    public async Task A_poll_reads_table_storage_only_when_allowed_and_the_redis_copy_is_missing()
    {
        await using var harness = await PaymentsHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["STATUS_RATE_LIMIT_PER_MINUTE"] = "2" },
            services: s => s.AddSingleton<IPaymentAudit>(new DiscardingAudit())); // the trail writes off the path: not counted here
        var user = "user-st-rt-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);
        var counter = harness.Get<StorageRequestCounter>();

        var before = counter.Snapshot();
        var cached = await StatusAsync(harness, user, sessionId);
        var afterCached = counter.Snapshot();
        await harness.Get<ISessionCache>().RemoveAsync(sessionId);
        var missed = await StatusAsync(harness, user, sessionId);
        var afterMissed = counter.Snapshot();
        await harness.Get<ISessionCache>().RemoveAsync(sessionId);
        var refused = await StatusAsync(harness, user, sessionId);
        var afterRefused = counter.Snapshot();

        Assert.Equal(StatusCodes.Status200OK, cached.Status);
        Assert.Equal(0, (afterCached - before).Total); // the limit and the copy: Redis only
        Assert.Equal(StatusCodes.Status200OK, missed.Status);
        Assert.Equal("PENDING", missed.Body.GetProperty("status").GetString());
        Assert.Equal(1, (afterMissed - afterCached).Table); // the copy missing: one point read
        Assert.Equal(StatusCodes.Status429TooManyRequests, refused.Status);
        Assert.Equal(0, (afterRefused - afterMissed).Total); // a refused caller never causes a Table read
    }

    [Fact]
    public async Task The_limit_holds_across_instances_sharing_redis()
    {
        var settings = new Dictionary<string, string?> { ["STATUS_RATE_LIMIT_PER_MINUTE"] = "4" };
        await using var first = await PaymentsHarness.StartAsync(settings: settings);
        using var second = TestApp.Build(new Dictionary<string, string?>(settings)
        {
            ["QPAY_BASE_URL"] = first.Sandbox.BaseUrl.ToString().TrimEnd('/'),
        });
        var user = "user-st-4-" + Guid.NewGuid().ToString("N")[..8];
        var (sessionId, _) = await first.SeedTwoSellerSessionAsync(user);

        var statuses = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            var services = i % 2 == 0 ? first.Services : second.Services;
            var function = ActivatorUtilities.CreateInstance<StatusFunctions>(services);
            statuses.Add((await PaymentsHarness.InvokeAsync(function.PaymentStatus, HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(user)))).Status);
        }

        Assert.Equal([200, 200, 200, 200, 429, 429], statuses);
    }

    [Fact]
    public async Task With_redis_down_status_comes_from_table_under_a_per_instance_limit_and_the_fallback_is_logged()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["REDIS_DATABASE_URI"] = redis.Uri,
            ["STATUS_RATE_LIMIT_PER_MINUTE"] = "5",
        });
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-st-5");
        var cached = await StatusAsync(harness, "user-st-5", sessionId);

        await redis.StopAsync();
        var statuses = new List<Answer>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add(await StatusAsync(harness, "user-st-5", sessionId));
        }

        Assert.Equal(StatusCodes.Status200OK, cached.Status);
        Assert.All(statuses.Take(5), a => Assert.Equal("PENDING", a.Body.GetProperty("status").GetString()));
        Assert.Equal(StatusCodes.Status429TooManyRequests, statuses[5].Status);
        Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "RateLimitFallback");
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "RedisDegraded");
        Assert.True(harness.Get<RedisConnection>().IsDegraded);
    }

    private static Task<Answer> StatusAsync(PaymentsHarness harness, string userId, string sessionId) =>
        PaymentsHarness.InvokeAsync(
            harness.Function<StatusFunctions>().PaymentStatus,
            HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(userId)));

    private static Task<Answer> InternalStatusAsync(PaymentsHarness harness, string userId, string sessionId) =>
        PaymentsHarness.InvokeAsync(
            harness.Function<StatusFunctions>().InternalPaymentStatus,
            HttpRequests.Get($"sessionId={sessionId}&userId={userId}", headers: Internal));
}
