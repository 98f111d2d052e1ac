using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Security;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;
using StackExchange.Redis;

namespace QPay.Functions.Tests.Payments;

/// <summary>POST /payments/qpay/seed-session and its internal twin, against Azurite, Redis and the sandbox.</summary>
public sealed class SeedSessionTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private PaymentsHarness Harness => fixture.Harness;

    [Fact]
    public async Task Seeding_answers_the_invoice_and_stores_the_session_in_table_and_redis()
    {
        var answer = await Harness.SeedAsync("user-seed-1", Carts.TwoSellers);

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.True(answer.Body.GetProperty("success").GetBoolean());
        Assert.Equal(1800, answer.Body.GetProperty("ttlSec").GetInt32()); // PAYMENT_SESSION_EXPIRY_SEC
        var invoice = answer.Body.GetProperty("invoice");
        Assert.Equal(
            ["invoiceId", "qrText", "qrImage", "shortUrl", "deeplinks"],
            invoice.EnumerateObject().Select(p => p.Name));
        Assert.Equal(13, invoice.GetProperty("deeplinks").GetArrayLength());
        Assert.Equal(["success", "sessionId", "ttlSec", "expiresAt", "invoice"], answer.Body.EnumerateObject().Select(p => p.Name));

        var sessionId = answer.Body.GetProperty("sessionId").GetString()!;
        var stored = await Harness.Get<ISessionStore>().GetAsync(sessionId, default);
        Assert.NotNull(stored);
        Assert.Equal("user-seed-1", stored.UserId);
        Assert.Equal(SessionStatus.Pending, stored.Status);
        Assert.Equal(invoice.GetProperty("invoiceId").GetString(), stored.InvoiceId);
        Assert.Equal(Carts.TwoSellersMnt, stored.ExpectedMnt);

        var redis = await Harness.Get<RedisConnection>().GetDatabaseAsync();
        var ttl = await redis.KeyTimeToLiveAsync($"payment-session:{sessionId}");
        // The copy lives until the session expires (1800 s after its creation), however long the seeding took.
        Assert.Equal(stored.CreatedAt + TimeSpan.FromSeconds(1800), stored.ExpiresAt);
        Assert.Equal(stored.ExpiresAt, answer.Body.GetProperty("expiresAt").GetDateTimeOffset());
        var expected = (stored.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds;
        Assert.InRange(ttl!.Value.TotalSeconds, expected - 2, expected + 2);
    }

    [Fact]
    public async Task A_session_row_from_before_expiry_existed_reads_with_the_default_life()
    {
        var (sessionId, _) = await Harness.SeedTwoSellerSessionAsync("user-seed-old-row");
        var table = await Harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var row = (await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(sessionId, "session")).Value;
        row.Remove("ExpiresAt");
        await table.UpdateEntityAsync(row, row.ETag, Azure.Data.Tables.TableUpdateMode.Replace);

        var stored = await Harness.Get<ISessionStore>().GetAsync(sessionId, default);

        Assert.Equal(stored!.CreatedAt.AddSeconds(1800), stored.ExpiresAt);
    }

    [Fact]
    public async Task Sandbox_receives_the_mnt_amount_the_session_id_and_a_callback_url_whose_token_verifies()
    {
        var (sessionId, invoiceId) = await Harness.SeedTwoSellerSessionAsync("user-seed-2");

        var sent = Harness.Sandbox.State.FindInvoice(invoiceId)!;
        Assert.Equal(Carts.TwoSellersMnt, sent.Amount);
        Assert.Equal(sessionId, sent.SenderInvoiceNo);
        var callback = new Uri(sent.CallbackUrl!);
        Assert.Equal("/payments/qpay/webhook", callback.AbsolutePath);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(callback.Query);
        Assert.Equal(sessionId, query["sessionId"]);
        Assert.True(Harness.Get<IWebhookTokens>().Verify(sessionId, query["token"]));
        Assert.False(Harness.Get<IWebhookTokens>().Verify(sessionId + "x", query["token"]));
    }

    [Fact]
    public async Task User_id_comes_from_the_token_and_a_user_id_in_the_body_is_ignored()
    {
        var body = JsonSerializer.SerializeToNode(Carts.TwoSellers, JsonSerializerOptions.Web)!.AsObject();
        body["userId"] = "someone-else";

        var answer = await Harness.SeedAsync("user-seed-3", body);

        var stored = await Harness.Get<ISessionStore>().GetAsync(answer.Body.GetProperty("sessionId").GetString()!, default);
        Assert.Equal("user-seed-3", stored!.UserId);
    }

    [Fact]
    public async Task Access_token_cookie_alone_authenticates()
    {
        var request = HttpRequests.Json("POST", Carts.TwoSellers);
        request.Headers.Cookie = $"access_token={TestJwt.For("user-cookie")}";

        var answer = await PaymentsHarness.InvokeAsync(Harness.Function<SeedSessionFunctions>().SeedSession, request);

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
    }

    public static TheoryData<string, string?> RejectedTokens() => new()
    {
        { "missing", null },
        { "expired", TestJwt.For("u1", expires: DateTime.UtcNow.AddMinutes(-2)) },
        { "bad signature", TestJwt.For("u1", secret: "not-the-local-secret-but-long-enough-1234") },
        { "wrong audience", TestJwt.For("u1", audience: "another-api") },
    };

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public async Task Without_a_valid_jwt_the_answer_is_401_with_a_json_message(string why, string? token)
    {
        var answer = await PaymentsHarness.InvokeAsync(
            Harness.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Json("POST", Carts.TwoSellers, bearer: token));

        Assert.Equal(StatusCodes.Status401Unauthorized, answer.Status);
        Assert.Equal("UNAUTHORIZED", answer.Error);
        Assert.False(string.IsNullOrEmpty(answer.Body.GetProperty("message").GetString()), why);
    }

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { "{\"cart\": [", "" },
        { "[1,2,3]", "" },
        { """{"cart":[{"productId":"p1","quantity":"two","sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1}""", "cart[0].quantity" },
        { """{"cart":[],"sellers":[],"totalAmount":1}""", "cart" },
        { """{"cart":[{"productId":"p1","quantity":1.5,"sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1.5}""", "cart[0].quantity" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":0.001,"shopId":"s1"}],"sellers":["s1"],"totalAmount":0.001}""", "cart[0].sale_price" },
        { """{"cart":[{"quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1}""", "cart[0].productId" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s2"],"totalAmount":1}""", "sellers" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":2}""", "totalAmount" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":0,"coupon":{"code":"c","discountAmount":1}}""", "totalAmount" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_body_is_a_400_naming_the_field_and_creates_nothing(string body, string field)
    {
        var invoicesBefore = Harness.Sandbox.State.Invoices.Count;

        var answer = await PaymentsHarness.InvokeAsync(
            Harness.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Raw("POST", body, bearer: TestJwt.For("user-bad")));

        Assert.Equal(StatusCodes.Status400BadRequest, answer.Status);
        if (field.Length > 0)
        {
            Assert.Equal(field, answer.Body.GetProperty("field").GetString());
            Assert.Contains(field, answer.Body.GetProperty("message").GetString());
        }

        Assert.Equal(invoicesBefore, Harness.Sandbox.State.Invoices.Count);
    }

    [Fact]
    public async Task Body_over_64_kb_is_413()
    {
        var huge = $$"""{"cart":[],"padding":"{{new string('x', 70_000)}}"}""";

        var answer = await PaymentsHarness.InvokeAsync(
            Harness.Function<SeedSessionFunctions>().SeedSession, HttpRequests.Raw("POST", huge, bearer: TestJwt.For("user-big")));

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, answer.Status);
        Assert.Equal("BODY_TOO_LARGE", answer.Error);
    }

    [Fact]
    public async Task Internal_route_takes_the_user_from_session_data()
    {
        var body = new { sessionData = JsonSerializer.SerializeToNode(Carts.TwoSellers, JsonSerializerOptions.Web)!.AsObject() };
        body.sessionData["userId"] = "user-internal-1";

        var answer = await PaymentsHarness.InvokeAsync(
            Harness.Function<SeedSessionFunctions>().InternalSeedSession,
            HttpRequests.Json("POST", body, headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        var stored = await Harness.Get<ISessionStore>().GetAsync(answer.Body.GetProperty("sessionId").GetString()!, default);
        Assert.Equal("user-internal-1", stored!.UserId);
        Assert.Equal("internal", stored.Origin);
    }

    [Fact]
    public async Task Internal_route_without_the_internal_header_is_403()
    {
        var answer = await PaymentsHarness.InvokeAsync(
            Harness.Function<SeedSessionFunctions>().InternalSeedSession, HttpRequests.Json("POST", new { sessionData = new { userId = "u" } }));

        Assert.Equal(StatusCodes.Status403Forbidden, answer.Status);
        Assert.Contains("x-internal-request: true", answer.Body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Internal_route_validation_names_fields_under_session_data()
    {
        var answer = await PaymentsHarness.InvokeAsync(
            Harness.Function<SeedSessionFunctions>().InternalSeedSession,
            HttpRequests.Json("POST", new { sessionData = new { userId = "u1", cart = Array.Empty<object>(), sellers = Array.Empty<string>(), totalAmount = 1 } },
                headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));

        Assert.Equal(StatusCodes.Status400BadRequest, answer.Status);
        Assert.Equal("sessionData.cart", answer.Body.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Qpay_failure_is_a_502_naming_its_code_and_the_session_stays_in_table_marked_failed()
    {
        Harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCreate, Status = 500 });
        var sessionsBefore = await Harness.SessionIdsOfAsync("user-qpay-down");

        var answer = await Harness.SeedAsync("user-qpay-down", Carts.TwoSellers);

        Assert.Equal(StatusCodes.Status502BadGateway, answer.Status);
        Assert.Contains("SYSTEM_BUSY", answer.Body.GetProperty("message").GetString());
        var created = (await Harness.SessionIdsOfAsync("user-qpay-down")).Except(sessionsBefore).Single();
        var stored = await Harness.Get<ISessionStore>().GetAsync(created, default);
        Assert.Equal(SessionStatus.Failed, stored!.Status);
        Assert.Equal("SYSTEM_BUSY", stored.FailureCode);
        Assert.Null(stored.InvoiceId);
    }

}

/// <summary>New sessions are limited per user: each one costs a QPay invoice.</summary>
public sealed class SeedSessionRateLimitTests
{
    [Fact]
    public async Task Past_the_per_user_limit_seeding_is_429_with_retry_after_and_creates_no_invoice()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["SEED_SESSION_RATE_LIMIT_PER_MINUTE"] = "2" });
        var user = "user-seed-rl-" + Guid.NewGuid().ToString("N")[..8];

        var first = await harness.SeedAsync(user, Carts.TwoSellers);
        var second = await harness.SeedAsync(user, Carts.TwoSellers);
        var third = await harness.SeedAsync(user, Carts.TwoSellers);
        var otherUser = await harness.SeedAsync(user + "-b", Carts.TwoSellers);

        Assert.Equal([200, 200, 429, 200], new[] { first.Status, second.Status, third.Status, otherUser.Status });
        Assert.Equal("RATE_LIMITED", third.Error);
        Assert.True(int.Parse(third.Headers.RetryAfter.ToString()) >= 1);
        Assert.Equal(3, harness.Sandbox.State.Invoices.Count);
    }
}

/// <summary>Seeding with Redis unreachable: a private harness, since its Redis is a dead port.</summary>
public sealed class SeedSessionWithoutRedisTests
{
    [Fact]
    public async Task Session_is_created_from_table_alone_and_the_outage_is_logged_once()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["REDIS_DATABASE_URI"] = $"redis://127.0.0.1:{LocalStack.FreePort()}",
        });

        var first = await harness.SeedAsync("user-noredis", Carts.TwoSellers);
        var second = await harness.SeedAsync("user-noredis", Carts.TwoSellers);

        Assert.Equal(StatusCodes.Status200OK, first.Status);
        Assert.Equal(StatusCodes.Status200OK, second.Status);
        var stored = await harness.Get<ISessionStore>().GetAsync(second.Body.GetProperty("sessionId").GetString()!, default);
        Assert.NotNull(stored!.InvoiceId);
        Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "RedisDegraded" && r.Level == LogLevel.Warning);
    }
}

/// <summary>
/// SEED_SESSION_INSTANCE_RATE_PER_MINUTE: with Redis down the per-user limits count per instance only,
/// so new sessions also meet one budget for all users of the instance (QPay's invoices stay bounded).
/// </summary>
public sealed class SeedSessionInstanceRateTests
{
    [Fact]
    public async Task With_redis_down_seeds_by_different_users_are_429_once_the_instance_budget_is_used_and_status_polls_are_not()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["REDIS_DATABASE_URI"] = $"redis://127.0.0.1:{LocalStack.FreePort()}",
            ["SEED_SESSION_RATE_LIMIT_PER_MINUTE"] = "1",
            ["SEED_SESSION_INSTANCE_RATE_PER_MINUTE"] = "3",
        });
        var users = Enumerable.Range(0, 4).Select(i => $"user-seed-inst-{i}-" + Guid.NewGuid().ToString("N")[..8]).ToArray();

        var first = await harness.SeedAsync(users[0], Carts.TwoSellers);
        var overOwnLimit = await harness.SeedAsync(users[0], Carts.TwoSellers); // refused by the user's own limit: costs the instance nothing
        var second = await harness.SeedAsync(users[1], Carts.TwoSellers);
        var third = await harness.SeedAsync(users[2], Carts.TwoSellers);
        var overInstance = await harness.SeedAsync(users[3], Carts.TwoSellers);
        var status = await PaymentsHarness.InvokeAsync(
            harness.Function<StatusFunctions>().PaymentStatus,
            HttpRequests.Get($"sessionId={first.Body.GetProperty("sessionId").GetString()}", bearer: TestJwt.For(users[0])));

        Assert.Equal([200, 429, 200, 200, 429], new[] { first.Status, overOwnLimit.Status, second.Status, third.Status, overInstance.Status });
        Assert.Equal("RATE_LIMITED", overInstance.Error);
        Assert.Equal(overOwnLimit.Body.EnumerateObject().Select(p => p.Name), overInstance.Body.EnumerateObject().Select(p => p.Name));
        Assert.StartsWith("Too many new payment sessions; retry after ", overInstance.Body.GetProperty("message").GetString());
        Assert.InRange(int.Parse(overInstance.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(3, harness.Sandbox.State.Invoices.Count);
        Assert.Equal(StatusCodes.Status200OK, status.Status);
        Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "SeedInstanceRateLimited" && r.Level == LogLevel.Warning);
    }
}
