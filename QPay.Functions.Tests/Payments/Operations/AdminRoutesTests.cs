using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Security;
using QPay.Functions.Telemetry;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;

namespace QPay.Functions.Tests.Payments.Operations;

/// <summary>
/// The operators' routes against Azurite, Redis and the sandbox: their auth walls, one session with
/// everything stored about it, a user's sessions paged, and "check now" with its per-session limit.
/// </summary>
public sealed class AdminRoutesTests
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    public static TheoryData<string, string?> Walls() => new()
    {
        { "session", null }, { "session", "false" },
        { "list", null }, { "list", "no" },
        { "check", null }, { "check", "false" },
        { "poison", null }, { "poison", "0" },
        { "replay", null }, { "replay", "false" },
    };

    [Theory]
    [MemberData(nameof(Walls))]
    public async Task Every_admin_route_refuses_a_call_without_the_internal_header(string route, string? header)
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = NewUser();
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);
        var headers = header is null ? null : new Dictionary<string, string> { ["x-internal-request"] = header };
        var checks = harness.QPayCalls(EndpointKeys.PaymentCheck);

        var answer = route switch
        {
            "session" => await Invoke(harness, (r, t) => harness.Function<AdminFunctions>().GetPaymentSession(r, sessionId, t), HttpRequests.Get("", headers: headers)),
            "list" => await Invoke(harness, harness.Function<AdminFunctions>().ListPaymentSessions, HttpRequests.Get($"userId={user}", headers: headers)),
            "check" => await Invoke(harness, (r, t) => harness.Function<AdminFunctions>().CheckPaymentSession(r, sessionId, t), HttpRequests.Raw("POST", null, headers: headers)),
            "poison" => await Invoke(harness, harness.Function<PoisonFunctions>().ListPoisonMessages, HttpRequests.Get("", headers: headers)),
            _ => await Invoke(harness, harness.Function<PoisonFunctions>().ReplayPoisonMessages, HttpRequests.Raw("POST", """{"queue":"orders"}""", headers: headers)),
        };

        Assert.Equal(StatusCodes.Status403Forbidden, answer.Status);
        Assert.Equal("FORBIDDEN", answer.Error);
        Assert.Equal(InternalRequest.MissingHeaderMessage, answer.Body.GetProperty("message").GetString());
        Assert.Equal(checks, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    [Fact]
    public async Task A_processed_session_shows_its_claim_orders_trail_refunds_and_receipts_and_no_receiver()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = NewUser();
        var seeded = await harness.SeedAsync(user, WithReceiver(Carts.TwoSellers, "88614450"));
        Assert.Equal(StatusCodes.Status200OK, seeded.Status);
        var sessionId = seeded.Body.GetProperty("sessionId").GetString()!;
        var invoiceId = seeded.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!;
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();
        var checks = harness.QPayCalls(EndpointKeys.PaymentCheck);

        // A processed session is answered with its status; QPay is not asked.
        var check = await CheckAsync(harness, sessionId);
        Assert.Equal(StatusCodes.Status200OK, check.Status);
        Assert.Equal("NOT_PENDING", check.Reason);
        Assert.Equal("PROCESSED", check.Body.GetProperty("status").GetString());
        Assert.Equal(checks, harness.QPayCalls(EndpointKeys.PaymentCheck));
        await harness.Get<PaymentEventTable>().FlushAsync(TimeSpan.FromSeconds(30));

        var answer = await GetSessionAsync(harness, sessionId);

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        var body = answer.Body;
        var session = body.GetProperty("session");
        Assert.Equal(sessionId, session.GetProperty("sessionId").GetString());
        Assert.Equal(user, session.GetProperty("userId").GetString());
        Assert.Equal("PROCESSED", session.GetProperty("status").GetString());
        Assert.Equal(invoiceId, session.GetProperty("invoiceId").GetString());
        Assert.Equal(Carts.TwoSellersMnt, session.GetProperty("expectedMnt").GetDecimal());
        var orderIds = session.GetProperty("orderIds").EnumerateArray().Select(e => e.GetString()!).Order().ToList();
        Assert.Equal(2, orderIds.Count);
        var claim = body.GetProperty("claim");
        Assert.Equal("OrdersCreated", claim.GetProperty("state").GetString());
        Assert.Equal([paymentId], claim.GetProperty("paymentIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(orderIds, body.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderId").GetString()!).Order());
        Assert.Equal(Carts.TwoSellersMnt, body.GetProperty("orders").EnumerateArray().Sum(o => o.GetProperty("totalMnt").GetDecimal()));
        var events = body.GetProperty("events").EnumerateArray().ToList();
        var checkNow = Assert.Single(events, e => e.GetProperty("event").GetProperty("type").GetString() == PaymentEventTypes.CheckNow);
        Assert.Equal("admin", checkNow.GetProperty("event").GetProperty("source").GetString());
        Assert.Equal("NOT_PENDING", checkNow.GetProperty("event").GetProperty("reason").GetString());
        Assert.False(body.GetProperty("eventsTruncated").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("refundPlan").ValueKind);
        Assert.Empty(body.GetProperty("refunds").EnumerateArray());
        var receipt = Assert.Single(body.GetProperty("receipts").EnumerateArray());
        Assert.Equal(paymentId, receipt.GetProperty("paymentId").GetString());
        // The receiver (personal data) is stored on the session, and never shown.
        var text = body.GetRawText();
        Assert.DoesNotContain("88614450", text, StringComparison.Ordinal);
        Assert.DoesNotContain("receiver", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("token", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_refunded_session_shows_its_refund_plan_and_refunds()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(NewUser());
        await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        await harness.ProcessOrderQueueAsync();
        Assert.Equal(StatusCodes.Status200OK, (await harness.RefundAsync(sessionId)).Status);

        var body = (await GetSessionAsync(harness, sessionId)).Body;

        Assert.Equal("CUSTOMER_REQUEST", body.GetProperty("refundPlan").GetProperty("wholeReason").GetString());
        var refund = Assert.Single(body.GetProperty("refunds").EnumerateArray());
        Assert.Equal(Carts.TwoSellersMnt, refund.GetProperty("amountMnt").GetDecimal());
        Assert.StartsWith(sessionId + "~", refund.GetProperty("refundId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_session_is_404_naming_sessionId()
    {
        await using var harness = await PaymentsHarness.StartAsync();

        var answer = await GetSessionAsync(harness, Guid.NewGuid().ToString("N"));

        Assert.Equal(StatusCodes.Status404NotFound, answer.Status);
        Assert.Equal(("NOT_FOUND", "sessionId"), (answer.Error, answer.Body.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task A_users_sessions_are_listed_newest_first_in_pages_and_never_another_users()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["SEED_SESSION_RATE_LIMIT_PER_MINUTE"] = "1000",
            ["MAX_OPEN_SESSIONS_PER_USER"] = "1000",
        });
        var user = NewUser();
        var other = NewUser();
        var seeded = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            seeded.Add((await harness.SeedTwoSellerSessionAsync(user)).SessionId);
        }

        var others = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            others.Add((await harness.SeedTwoSellerSessionAsync(other)).SessionId);
        }

        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var query = $"userId={user}&limit=10" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var answer = await Invoke(harness, harness.Function<AdminFunctions>().ListPaymentSessions, HttpRequests.Get(query, headers: Internal));
            Assert.Equal(StatusCodes.Status200OK, answer.Status);
            pages.Add([.. answer.Body.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()!)]);
            cursor = answer.Body.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && pages.Count < 5);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Count));
        var listed = pages.SelectMany(p => p).ToList();
        Assert.Equal(Enumerable.Reverse(seeded), listed);
        Assert.Empty(listed.Intersect(others));

        var theirs = await Invoke(harness, harness.Function<AdminFunctions>().ListPaymentSessions, HttpRequests.Get($"userId={other}", headers: Internal));
        var theirIds = theirs.Body.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()!).ToList();
        Assert.Equal(Enumerable.Reverse(others), theirIds);
        Assert.Equal(JsonValueKind.Null, theirs.Body.GetProperty("nextCursor").ValueKind);
        var exactlyFull = await Invoke(harness, harness.Function<AdminFunctions>().ListPaymentSessions, HttpRequests.Get($"userId={other}&limit=3", headers: Internal));
        Assert.Equal(3, exactlyFull.Body.GetProperty("sessions").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, exactlyFull.Body.GetProperty("nextCursor").ValueKind);
        var first = theirs.Body.GetProperty("sessions")[0];
        Assert.Equal("PENDING", first.GetProperty("status").GetString());
        Assert.Equal(Carts.TwoSellersMnt, first.GetProperty("expectedMnt").GetDecimal());
    }

    [Fact]
    public async Task A_session_list_row_that_cannot_be_written_is_logged_and_the_seed_stands()
    {
        // '/' is not allowed in a PartitionKey: every write of the user's list fails.
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.PostConfigure<QPay.Functions.Payments.PaymentOptions>(o => o.UserSessionsPartitionPrefix = "bad/prefix~"));
        var user = NewUser();

        var seeded = await harness.SeedAsync(user, Carts.TwoSellers);

        Assert.Equal(StatusCodes.Status200OK, seeded.Status);
        Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "UserSessionIndexFailed");
        var sessionId = seeded.Body.GetProperty("sessionId").GetString()!;
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task A_user_without_sessions_gets_an_empty_last_page()
    {
        await using var harness = await PaymentsHarness.StartAsync();

        var answer = await Invoke(harness, harness.Function<AdminFunctions>().ListPaymentSessions, HttpRequests.Get($"userId={NewUser()}", headers: Internal));

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Empty(answer.Body.GetProperty("sessions").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, answer.Body.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Check_now_recovers_a_paid_session_whose_callback_was_lost_and_limits_the_next_call()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        using var metrics = new RecordedMetrics(harness);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(NewUser());
        await harness.PayAsync(invoiceId); // no callback: it was lost
        var checks = harness.QPayCalls(EndpointKeys.PaymentCheck);

        var first = await CheckAsync(harness, sessionId);

        Assert.Equal(StatusCodes.Status200OK, first.Status);
        Assert.Equal("PROCESSED", first.Reason);
        Assert.True(first.Body.GetProperty("processed").GetBoolean());
        Assert.Equal("PAID", first.Body.GetProperty("status").GetString());
        Assert.Equal(2, first.Body.GetProperty("orderIds").GetArrayLength());
        Assert.Equal(checks + 1, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Equal(1, await harness.ProcessOrderQueueAsync());
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);

        var second = await CheckAsync(harness, sessionId);

        Assert.Equal(StatusCodes.Status429TooManyRequests, second.Status);
        Assert.Equal("RATE_LIMITED", second.Error);
        Assert.InRange(int.Parse(second.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 31);
        Assert.Equal(checks + 1, harness.QPayCalls(EndpointKeys.PaymentCheck));
        var trail = await harness.EventsAsync(sessionId);
        var recorded = Assert.Single(trail, e => e.Event.Type == PaymentEventTypes.CheckNow);
        Assert.Equal(("admin", "PROCESSED", invoiceId, "PAID"), (recorded.Event.Source, recorded.Event.Reason, recorded.Event.InvoiceId, recorded.Event.Detail));
        Assert.Equal(["reason=PROCESSED,source=admin"], metrics.Of("qpay.webhook.outcomes").Where(m => m.Tags.Contains("source=admin")).Select(m => m.Tags));
    }

    [Fact]
    public async Task Check_now_limits_each_session_on_its_own_and_across_instances()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = NewUser();
        var (one, _) = await harness.SeedTwoSellerSessionAsync(user);
        var (two, _) = await harness.SeedTwoSellerSessionAsync(user);
        var other = harness.StartInstance();

        var first = await CheckAsync(harness, one);
        var onOtherInstance = await PaymentsHarness.InvokeAsync(
            (r, t) => ActivatorUtilities.CreateInstance<AdminFunctions>(other).CheckPaymentSession(r, one, t),
            HttpRequests.Raw("POST", null, headers: Internal));
        var anotherSession = await CheckAsync(harness, two);

        Assert.Equal((StatusCodes.Status200OK, "NOT_PAID", "PENDING"), (first.Status, first.Reason, first.Body.GetProperty("status").GetString()));
        Assert.Equal(StatusCodes.Status429TooManyRequests, onOtherInstance.Status);
        Assert.Equal((StatusCodes.Status200OK, "NOT_PAID"), (anotherSession.Status, anotherSession.Reason));
    }

    [Fact]
    public async Task Check_now_with_redis_down_is_still_limited_per_instance()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["REDIS_DATABASE_URI"] = $"redis://127.0.0.1:{LocalStack.FreePort()}",
        });
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(NewUser());
        var checks = harness.QPayCalls(EndpointKeys.PaymentCheck);

        var first = await CheckAsync(harness, sessionId);
        var second = await CheckAsync(harness, sessionId);

        Assert.Equal((StatusCodes.Status200OK, "NOT_PAID"), (first.Status, first.Reason));
        Assert.Equal(StatusCodes.Status429TooManyRequests, second.Status);
        Assert.True(second.Headers.ContainsKey("Retry-After"));
        Assert.Equal(checks + 1, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "CheckNowLimitFallback");
    }

    [Fact]
    public async Task Without_redis_the_window_of_a_session_reopens_after_30_seconds()
    {
        var (harness, clock) = await PaymentsHarness.StartWithFakeClockAsync(new Dictionary<string, string?>
        {
            ["REDIS_DATABASE_URI"] = $"redis://127.0.0.1:{LocalStack.FreePort()}",
        });
        await using var _ = harness;
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(NewUser());

        Assert.Equal(StatusCodes.Status200OK, (await CheckAsync(harness, sessionId)).Status);
        clock.Advance(TimeSpan.FromSeconds(29));
        var early = await CheckAsync(harness, sessionId);
        clock.Advance(TimeSpan.FromSeconds(1));
        var reopened = await CheckAsync(harness, sessionId);

        Assert.Equal(StatusCodes.Status429TooManyRequests, early.Status);
        Assert.Equal("1", early.Headers.RetryAfter.ToString());
        Assert.Equal((StatusCodes.Status200OK, "NOT_PAID"), (reopened.Status, reopened.Reason));
    }

    [Fact]
    public async Task Check_now_of_an_unknown_session_is_404_and_asks_nothing()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var checks = harness.QPayCalls(EndpointKeys.PaymentCheck);

        var answer = await CheckAsync(harness, Guid.NewGuid().ToString("N"));

        Assert.Equal((StatusCodes.Status404NotFound, "NOT_FOUND"), (answer.Status, answer.Error));
        Assert.Equal(checks, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    internal static string NewUser() => "admin-" + Guid.NewGuid().ToString("N")[..12];

    internal static Task<Answer> Invoke(PaymentsHarness harness, Func<HttpRequest, CancellationToken, Task<Microsoft.AspNetCore.Mvc.IActionResult>> function, HttpRequest request) =>
        PaymentsHarness.InvokeAsync(function, request);

    private static Task<Answer> GetSessionAsync(PaymentsHarness harness, string sessionId) =>
        Invoke(harness, (r, t) => harness.Function<AdminFunctions>().GetPaymentSession(r, sessionId, t), HttpRequests.Get("", headers: Internal));

    private static Task<Answer> CheckAsync(PaymentsHarness harness, string sessionId) =>
        Invoke(harness, (r, t) => harness.Function<AdminFunctions>().CheckPaymentSession(r, sessionId, t), HttpRequests.Raw("POST", null, headers: Internal));

    /// <summary>The two-seller cart with an e-receipt for a citizen's phone number.</summary>
    private static object WithReceiver(object cart, string receiver)
    {
        var json = JsonSerializer.SerializeToNode(cart, JsonSerializerOptions.Web)!.AsObject();
        json["ebarimt"] = new System.Text.Json.Nodes.JsonObject { ["receiverType"] = "CITIZEN", ["receiver"] = receiver };
        return json.ToJsonString();
    }
}
