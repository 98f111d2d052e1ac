using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments;

/// <summary>Expiry, late payments after it, and the reconciler's end-of-life cases, on a fake clock.</summary>
public sealed class ExpiryTests
{
    private static Task<(PaymentsHarness Harness, FakeTimeProvider Clock)> StartAsync(IReadOnlyDictionary<string, string?>? settings = null) =>
        PaymentsHarness.StartWithFakeClockAsync(settings);

    [Fact]
    public async Task The_internal_seed_takes_the_seed_systems_ttl_sec_for_that_session_within_bounds()
    {
        var (harness, _) = await StartAsync();
        await using var _ = harness;
        var function = harness.Function<SeedSessionFunctions>().InternalSeedSession;

        async Task<Answer> SeedWith(object? ttlSec)
        {
            var data = System.Text.Json.JsonSerializer.SerializeToNode(Carts.TwoSellers, System.Text.Json.JsonSerializerOptions.Web)!.AsObject();
            data["userId"] = "user-ttl";
            data["ttlSec"] = System.Text.Json.Nodes.JsonValue.Create(ttlSec);
            return await PaymentsHarness.InvokeAsync(function, HttpRequests.Json(
                "POST", new { sessionData = data }, headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));
        }

        var twoMinutes = await SeedWith(120);
        Assert.Equal(200, twoMinutes.Status);
        Assert.Equal(120, twoMinutes.Body.GetProperty("ttlSec").GetInt32());
        var stored = await harness.Get<ISessionStore>().GetAsync(twoMinutes.Body.GetProperty("sessionId").GetString()!, default);
        Assert.Equal(stored!.CreatedAt.AddSeconds(120), stored.ExpiresAt);
        foreach (var bad in new object[] { 59, 604_801, 90.5 })
        {
            var refused = await SeedWith(bad);
            Assert.Equal((400, "sessionData.ttlSec"), (refused.Status, refused.Body.GetProperty("field").GetString()));
        }
    }

    [Fact]
    public async Task A_payment_after_expiry_is_fulfilled_at_the_quoted_price()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var user = "user-exp-late";
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, (await harness.ReconcileAsync()).Expired);
        Assert.Equal(SessionStatus.Expired, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);

        var paymentId = await harness.PayAsync(invoiceId, evenIfCanceled: true);
        var callback = await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();

        Assert.Null(callback.Reason);
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(SessionStatus.Processed, session.Status);
        Assert.Equal(clock.GetUtcNow(), session.LatePaymentAt);
        Assert.Equal(Carts.TwoSellersMnt, (await harness.Get<IOrderStore>().ListForUserAsync(user, default)).Where(o => o.SessionId == sessionId).Sum(o => o.TotalMnt));
    }

    [Fact]
    public async Task At_expiry_a_check_qpay_fails_keeps_the_session_followed_and_nothing_is_cancelled()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-exp-outage");
        clock.Advance(TimeSpan.FromMinutes(30));
        // A refusal rather than a 5xx: the client's retries of a 5xx wait on the (fake) clock.
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, Status = 400, Error = "SYSTEM_BUSY", Count = 1_000 });

        var during = await harness.ReconcileAsync();

        Assert.Equal(0, during.Expired);
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.NotEqual(SandboxInvoiceStatus.Canceled, harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
        var entry = (await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default))!;
        Assert.Equal("VERIFICATION_FAILED", entry.LastOutcome);

        harness.Sandbox.ClearFaults();
        var paymentId = await harness.PayAsync(invoiceId); // paid during the outage
        clock.Advance(TimeSpan.FromHours(1));
        var after = await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(1, after.Recovered);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.False(string.IsNullOrEmpty(paymentId));
    }

    [Fact]
    public async Task A_cancel_qpay_refuses_with_an_unknown_code_is_checked_again_each_time_not_retried_blindly()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-exp-refused");
        clock.Advance(TimeSpan.FromMinutes(30));
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCancel, Status = 400, Error = "SOMETHING_NEW", Count = 1 });

        var refused = await harness.ReconcileAsync();
        var checksAfterRefusal = harness.QPayCalls(EndpointKeys.PaymentCheck);
        clock.Advance(TimeSpan.FromHours(1));
        var next = await harness.ReconcileAsync();

        Assert.Equal(0, refused.Expired);
        Assert.Equal(1, next.Expired);
        Assert.Equal(checksAfterRefusal + 1, harness.QPayCalls(EndpointKeys.PaymentCheck)); // a fresh check before the second cancel
        Assert.Equal(SessionStatus.Expired, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Equal(SandboxInvoiceStatus.Canceled, harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
    }

    [Fact]
    public async Task A_claim_found_at_expiry_is_followed_until_its_orders_exist()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-exp-dup");
        await harness.PayAsync(invoiceId);
        clock.Advance(TimeSpan.FromMinutes(30));
        var callback = await harness.CallbackAsync(invoiceId, "p"); // claimed just before the expiry run; its message is lost
        await harness.OrderQueue().ClearMessagesAsync();

        var first = await harness.ReconcileAsync(); // DUPLICATE for the reconciler: requeued (stuck at once)
        await harness.ProcessOrderQueueAsync();

        Assert.Null(callback.Reason);
        Assert.Equal(1, first.Requeued);
        Assert.Equal(0, first.Expired);
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.NotEqual(SandboxInvoiceStatus.Canceled, harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
    }
}

/// <summary>Without Redis the per-invoice lock lets every callback through; the claim alone keeps it to one order set.</summary>
public sealed class ClaimWithoutRedisTests
{
    [Fact]
    public async Task Fifty_concurrent_callbacks_with_redis_down_make_one_order_set()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["REDIS_DATABASE_URI"] = $"redis://127.0.0.1:{LocalStack.FreePort()}",
        });
        var user = "user-noredis-50";
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await harness.PayAsync(invoiceId);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => harness.CallbackAsync(invoiceId, paymentId))));
        var processed = await harness.ProcessOrderQueueAsync(maxRounds: 3);

        Assert.All(answers, a => Assert.Equal(StatusCodes.Status200OK, a.Status));
        Assert.Single(answers, a => a.Body.GetProperty("processed").GetBoolean());
        Assert.Equal(49, answers.Count(a => a.Reason == "DUPLICATE"));
        Assert.Equal(1, processed);
        Assert.Equal(2, (await harness.Get<IOrderStore>().ListForUserAsync(user, default)).Count(o => o.SessionId == sessionId));
    }
}
