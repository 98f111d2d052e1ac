using System.Text.Json;
using QPay.Functions.QPayApi;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Reliability;

/// <summary>
/// A whole payment with every log line of the app captured (all categories, Debug and up, webhook
/// debug on): no client secret, QPay access or refresh token, user JWT, webhook token or key, or QR
/// payload may appear in any of them.
/// </summary>
public sealed class LogHygieneTests
{
    [Fact]
    public async Task A_whole_flow_logs_no_secret_token_jwt_or_qr_payload()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["INTERNAL_WEBHOOK_DEBUG"] = "true" });
        var user = "user-hygiene";
        var jwt = TestJwt.For(user);

        var seeded = await PaymentsHarness.InvokeAsync(
            harness.Function<QPay.Functions.Functions.SeedSessionFunctions>().SeedSession, HttpRequests.Json("POST", Carts.TwoSellers, bearer: jwt));
        var sessionId = seeded.Body.GetProperty("sessionId").GetString()!;
        var invoiceId = seeded.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!;
        var qrText = seeded.Body.GetProperty("invoice").GetProperty("qrText").GetString()!;
        harness.Sandbox.ExpireTokens(); // forces a 401, a renewal and a retry: the riskiest path for a token
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.WebhookAsync($"sessionId={sessionId}&token=forged-token-value");
        await harness.ProcessOrderQueueAsync();
        await PaymentsHarness.InvokeAsync(
            harness.Function<QPay.Functions.Functions.StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={sessionId}", bearer: jwt));
        await PaymentsHarness.InvokeAsync(
            harness.Function<QPay.Functions.Functions.StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={sessionId}", bearer: jwt + "tampered"));

        var qpayToken = await SharedQPayTokenAsync(harness);
        var webhookToken = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(harness.CallbackUrl(invoiceId).Query)["token"].ToString();
        var settings = LocalSettings.Values();
        var secrets = new Dictionary<string, string>
        {
            ["user JWT"] = jwt,
            ["QPay access token"] = qpayToken.AccessToken,
            ["QPay refresh token"] = qpayToken.RefreshToken!,
            ["QPay Basic credentials"] = Convert.ToBase64String("TEST_MERCHANT:123456"u8),
            ["webhook token"] = webhookToken,
            ["forged webhook token"] = "forged-token-value",
            ["webhook secret"] = settings["QPAY_WEBHOOK_SECRET"]!,
            ["JWT secret"] = settings["AUTH_JWT_SECRET"]!,
            ["QR payload"] = qrText,
        };

        var lines = harness.Logs.GetSnapshot()
            .Select(r => $"{r.Category} {r.Message} {r.Exception} {string.Join(' ', r.StructuredState?.Select(p => p.Value) ?? [])}")
            .ToList();
        Assert.True(lines.Count > 10, "the flow should have logged");
        Assert.Contains(lines, l => l.Contains(sessionId)); // ids are logged, so the search is meaningful
        foreach (var (what, value) in secrets)
        {
            Assert.False(lines.Any(l => l.Contains(value, StringComparison.Ordinal)), $"a log line contains the {what}");
        }

        Assert.DoesNotContain(lines, l => l.Contains("eyJ", StringComparison.Ordinal)); // no JWT of any kind
        Assert.DoesNotContain(lines, l => l.Contains("token=", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<QPayToken> SharedQPayTokenAsync(PaymentsHarness harness)
    {
        var key = harness.Get<Microsoft.Extensions.Options.IOptions<QPayOptions>>().Value.TokenCacheKey;
        var redis = await harness.Get<RedisConnection>().GetDatabaseAsync();
        var json = (string?)await redis.StringGetAsync(key);
        return JsonSerializer.Deserialize(json!, QPayTokenJsonContext.Default.QPayToken)!;
    }
}
