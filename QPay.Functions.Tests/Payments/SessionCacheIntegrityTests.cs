using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using StackExchange.Redis;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// Whoever can write to Redis must not choose the amount or the user a payment decision uses:
/// every Redis copy of a session is signed, and one that does not verify is read from Table Storage.
/// </summary>
public sealed class SessionCacheIntegrityTests
{
    /// <summary>Ways an attacker may shape a rewritten value.</summary>
    public static TheoryData<string> Forgeries => ["kept MAC", "no MAC", "pre-signing format"];

    [Fact]
    public async Task A_round_trip_through_redis_is_a_signed_cache_hit()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ci-1");
        var value = await ValueAsync(harness, sessionId);

        var answer = await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        var (afterWebhook, fromCache) = await harness.Get<SessionReader>().GetAsync(sessionId, default);

        Assert.Matches(new Regex("""^\{"v":\d+,"at":\d+,"session":"\{"""), value); // the prefix the store script reads
        using var envelope = JsonDocument.Parse(value);
        Assert.Equal(["v", "at", "session", "mac"], envelope.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(32, envelope.RootElement.GetProperty("mac").GetBytesFromBase64().Length);
        Assert.Equal(sessionId, JsonNode.Parse(envelope.RootElement.GetProperty("session").GetString()!)!["sessionId"]!.GetValue<string>());
        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), r => r.Message.StartsWith("Session loaded from database", StringComparison.Ordinal));
        Assert.True(fromCache);
        Assert.Equal(SessionStatus.Paid, afterWebhook!.Status); // the webhook's own write verifies too
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), r => r.Id.Name == "SessionCacheCopyRejected");
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_copy_rewritten_to_another_user_is_a_miss_and_ownership_comes_from_table(string forgery)
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ci-owner");
        var genuine = await ValueAsync(harness, sessionId);
        Assert.True((await harness.Get<SessionReader>().GetAsync(sessionId, default)).FromCache); // else this proves nothing
        var forged = Forge(genuine, forgery, s => s["userId"] = "user-ci-attacker");
        await WriteAsync(harness, sessionId, forged);

        var attacker = await StatusAsync(harness, "user-ci-attacker", sessionId);
        var owner = await StatusAsync(harness, "user-ci-owner", sessionId);

        Assert.Equal(StatusCodes.Status404NotFound, attacker.Status);
        Assert.Equal(StatusCodes.Status200OK, owner.Status);
        Assert.Equal(invoiceId, owner.Body.GetProperty("invoiceId").GetString());
        var warning = Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "SessionCacheCopyRejected");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(sessionId, warning.Message);
        var mac = JsonDocument.Parse(genuine).RootElement.GetProperty("mac").GetString()!;
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), r => r.Message.Contains(mac, StringComparison.Ordinal)); // nor any of the value
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_copy_with_a_lowered_amount_is_a_miss_and_paying_that_amount_is_an_amount_mismatch(string forgery)
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ci-amount");
        var expected = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.ExpectedMnt;
        var lowered = Math.Floor(expected / 2);
        await WriteAsync(harness, sessionId, Forge(await ValueAsync(harness, sessionId), forgery, s => s["expectedMnt"] = lowered));
        var paymentId = await harness.PayAsync(invoiceId, lowered);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.Equal("AMOUNT_MISMATCH", answer.Reason);
        Assert.False(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Null(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default));
        Assert.Equal(0, await harness.QueuedOrderMessagesAsync());
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Message.StartsWith("Session loaded from database", StringComparison.Ordinal));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "AmountMismatch" && r.Message.Contains($"{expected} MNT expected"));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "SessionCacheCopyRejected" && r.Message.Contains(sessionId));
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task A_genuine_copy_put_under_another_sessions_key_is_a_miss()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionA, _) = await harness.SeedTwoSellerSessionAsync("user-ci-a");
        var (sessionB, invoiceB) = await harness.SeedTwoSellerSessionAsync("user-ci-b");

        await WriteAsync(harness, sessionB, await ValueAsync(harness, sessionA)); // signed by the server, for A
        var asUserA = await StatusAsync(harness, "user-ci-a", sessionB);
        var asUserB = await StatusAsync(harness, "user-ci-b", sessionB);

        Assert.Equal(StatusCodes.Status404NotFound, asUserA.Status);
        Assert.Equal(StatusCodes.Status200OK, asUserB.Status);
        Assert.Equal(invoiceB, asUserB.Body.GetProperty("invoiceId").GetString());
        Assert.Contains(harness.Logs.GetSnapshot(), r =>
            r.Id.Name == "SessionCacheCopyRejected" && r.Message.Contains(sessionB) && r.Message.Contains("another session's copy"));
    }

    [Fact]
    public async Task A_forged_copy_claiming_a_huge_version_is_discarded_so_later_changes_reach_the_cache()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-ci-pin");
        var genuine = await ValueAsync(harness, sessionId);
        var version = VersionOf(genuine);
        // The store script reads the first v and would refuse every write; a lenient parser would take
        // the last v, find the MAC good and serve this PENDING copy for ever.
        var pinned = """{"v":999999""" + genuine[$$"""{"v":{{version}}""".Length..^1] + $$""","v":{{version}}}""";
        await WriteAsync(harness, sessionId, pinned);
        var reader = harness.Get<SessionReader>();

        var (_, forgedRead) = await reader.GetAsync(sessionId, default);
        var answer = await harness.CallbackAsync(invoiceId, await harness.PayAsync(invoiceId));
        var (afterWebhook, laterRead) = await reader.GetAsync(sessionId, default);

        Assert.False(forgedRead);
        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        Assert.True(laterRead); // the webhook's PAID copy replaced it
        Assert.Equal(SessionStatus.Paid, afterWebhook!.Status);
        Assert.NotEqual("999999", VersionOf(await ValueAsync(harness, sessionId)));
    }

    [Fact]
    public async Task After_a_secret_rotation_old_copies_are_read_from_table_once_and_signed_again_without_a_restart()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-ci-rotate");
        var reader = harness.Get<SessionReader>();
        var beforeRotation = (await reader.GetAsync(sessionId, default)).FromCache;
        var copyBefore = await ValueAsync(harness, sessionId);

        var configuration = (IConfigurationRoot)harness.Get<IConfiguration>();
        configuration["QPAY_WEBHOOK_SECRET_PREVIOUS"] = configuration["QPAY_WEBHOOK_SECRET"];
        configuration["QPAY_WEBHOOK_SECRET"] = "rotated-webhook-secret-" + Guid.NewGuid().ToString("N");
        configuration.Reload(); // as the Key Vault provider does when it sees a new version
        var firstAfter = (await reader.GetAsync(sessionId, default)).FromCache;
        var secondAfter = (await reader.GetAsync(sessionId, default)).FromCache;

        Assert.True(beforeRotation);
        Assert.False(firstAfter);
        Assert.True(secondAfter);
        Assert.NotEqual(copyBefore, await ValueAsync(harness, sessionId));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "SessionCacheCopyOfPreviousKey" && r.Level == LogLevel.Information);
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), r => r.Id.Name == "SessionCacheCopyRejected"); // a rotation is no attack
    }

    /// <summary>
    /// The genuine value rewritten as someone with write access to Redis could: v and at kept (so the
    /// store script sees nothing odd), the session changed, the MAC kept, dropped, or the session
    /// written as an object as it was before copies were signed.
    /// </summary>
    private static string Forge(string genuine, string forgery, Action<JsonObject> change)
    {
        using var envelope = JsonDocument.Parse(genuine);
        var root = envelope.RootElement;
        var session = JsonNode.Parse(root.GetProperty("session").GetString()!)!.AsObject();
        change(session);
        var prefix = $$"""{"v":{{root.GetProperty("v").GetInt64()}},"at":{{root.GetProperty("at").GetInt64()}},"session":""";
        var asString = JsonSerializer.Serialize(session.ToJsonString());
        return forgery switch
        {
            "kept MAC" => $$"""{{prefix}}{{asString}},"mac":"{{root.GetProperty("mac").GetString()}}"}""",
            "no MAC" => $$"""{{prefix}}{{asString}}}""",
            "pre-signing format" => $$"""{{prefix}}{{session.ToJsonString()}}}""",
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };
    }

    /// <summary>The version as the store script reads it.</summary>
    private static string VersionOf(string value) => Regex.Match(value, """^\{"v":(\d+),""").Groups[1].Value;

    private static async Task<string> ValueAsync(PaymentsHarness harness, string sessionId)
    {
        var redis = await harness.Get<RedisConnection>().GetDatabaseAsync();
        var value = await redis.StringGetAsync(RedisSessionCache.Key(sessionId));
        Assert.False(value.IsNullOrEmpty, "the session should be in Redis");
        return value.ToString();
    }

    private static async Task WriteAsync(PaymentsHarness harness, string sessionId, string value)
    {
        var redis = await harness.Get<RedisConnection>().GetDatabaseAsync();
        Assert.True(await redis.StringSetAsync(RedisSessionCache.Key(sessionId), value, TimeSpan.FromMinutes(5)));
    }

    private static Task<Answer> StatusAsync(PaymentsHarness harness, string userId, string sessionId) =>
        PaymentsHarness.InvokeAsync(
            harness.Function<StatusFunctions>().PaymentStatus,
            HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(userId)));
}
