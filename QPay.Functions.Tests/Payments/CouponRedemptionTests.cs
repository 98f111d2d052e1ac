using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// A coupon's redemption is counted once per paid session, when the payment is verified (order
/// creation), whatever runs concurrently; limits apply to new sessions, never to paid ones.
/// </summary>
public sealed class CouponRedemptionTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private PaymentsHarness Harness => fixture.Harness;

    private ICouponStore Coupons => Harness.Get<ICouponStore>();

    [Fact]
    public async Task Two_payments_racing_for_the_last_redemption_are_both_honoured_and_counted_once_each()
    {
        var code = await CouponAsync(maxRedemptions: 1);
        // Both seeded while one redemption is left: the limit is checked when a session is seeded.
        var sessions = new[] { await SeedAsync(User(), code), await SeedAsync(User(), code) };
        var payments = new List<(string SessionId, string InvoiceId, string PaymentId)>();
        foreach (var (sessionId, invoiceId) in sessions)
        {
            payments.Add((sessionId, invoiceId, await Harness.PayAsync(invoiceId)));
        }

        // Both callbacks at once, each twice: one claim per invoice, one redemption per session.
        var callbacks = await Task.WhenAll(payments.SelectMany(p => new[] { p, p }).Select(p => Harness.CallbackAsync(p.InvoiceId, p.PaymentId)));
        Assert.Equal(2, callbacks.Count(c => c.Reason is null));
        Assert.Equal(2, await Harness.ProcessOrderQueueAsync());

        foreach (var payment in payments)
        {
            Assert.Equal(SessionStatus.Processed, (await Harness.Get<ISessionStore>().GetAsync(payment.SessionId, default))!.Status);
        }

        Assert.Equal(2, (await Coupons.GetAsync(code, default))!.Value.Redemptions);
        var third = await Harness.SeedAsync(User(), Body(code));
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, third.Status);
        Assert.Equal("EXHAUSTED", third.Body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_customer_past_the_per_user_limit_is_refused_while_others_are_not()
    {
        var code = await CouponAsync(perUserLimit: 1);
        var user = User();
        var seeded = await SeedAsync(user, code);
        var paymentId = await Harness.PayAsync(seeded.InvoiceId);
        Assert.Null((await Harness.CallbackAsync(seeded.InvoiceId, paymentId)).Reason);
        Assert.Equal(1, await Harness.ProcessOrderQueueAsync());

        var again = await Harness.SeedAsync(user, Body(code));
        var someoneElse = await Harness.SeedAsync(User(), Body(code));

        Assert.Equal(StatusCodes.Status422UnprocessableEntity, again.Status);
        Assert.Equal("USER_LIMIT_REACHED", again.Body.GetProperty("reason").GetString());
        Assert.Equal(StatusCodes.Status200OK, someoneElse.Status);
    }

    [Fact]
    public async Task Concurrent_redemptions_of_one_session_count_once_and_of_many_sessions_each_once()
    {
        var code = await CouponAsync();
        var user = User();

        var sameSession = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Coupons.RedeemAsync(code, user, "session-1", default)));
        var manySessions = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Coupons.RedeemAsync(code, user, $"session-m{i}", default)));

        Assert.Single(sameSession, counted => counted);
        Assert.All(manySessions, Assert.True);
        var standing = await Coupons.GetStandingAsync(code, user, default);
        Assert.Equal(11, standing!.Redemptions);
        Assert.Equal(11, standing.UserRedemptions);
    }

    [Fact]
    public async Task Sixty_four_sessions_redeeming_one_coupon_at_once_are_each_counted_once()
    {
        // A sale coupon: every paid session at once. One ETag-guarded total made most of them run out of attempts.
        var code = await CouponAsync();
        var users = Enumerable.Range(0, 64).Select(_ => User()).ToList();

        var counted = await Task.WhenAll(users.Select((user, i) => Coupons.RedeemAsync(code, user, $"session-sale-{i}", default)));

        Assert.All(counted, Assert.True);
        Assert.Equal(64, (await Coupons.GetAsync(code, default))!.Value.Redemptions);
        Assert.Equal((64, 1), ((await Coupons.GetStandingAsync(code, users[7], default))!.Redemptions, (await Coupons.GetStandingAsync(code, users[7], default))!.UserRedemptions));
        Assert.False(await Coupons.RedeemAsync(code, users[7], "session-sale-7", default));
    }

    [Fact]
    public async Task A_total_counted_before_it_was_sharded_still_counts()
    {
        var code = await CouponAsync(maxRedemptions: 7);
        var table = new TableClient(LocalStack.StorageConnectionString, StorageNames.CouponsTable);
        // The one counter row of before, as it was written then.
        await table.UpsertEntityAsync(new TableEntity(code, "redemptions") { ["Count"] = 5 });
        var session = Enumerable.Range(0, 100).Select(i => $"session-old-{i}").First(id => CouponTable.ShardOf(id) != 0);

        Assert.True(await Coupons.RedeemAsync(code, User(), session, default));

        Assert.Equal(6, (await Coupons.GetAsync(code, default))!.Value.Redemptions);
        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>(code, $"redemptions~{CouponTable.ShardOf(session)}")).Value.GetInt32("Count"));
        Assert.Equal(5, (await table.GetEntityAsync<TableEntity>(code, "redemptions")).Value.GetInt32("Count"));
    }

    [Fact]
    public async Task Replacing_a_coupons_rule_keeps_its_redemptions()
    {
        var code = await CouponAsync(maxRedemptions: 5);
        await Coupons.RedeemAsync(code, User(), "session-r", default);

        await CouponAsync(maxRedemptions: 9, code: code);

        var (rule, redemptions) = (await Coupons.GetAsync(code, default))!.Value;
        Assert.Equal(9, rule.MaxRedemptions);
        Assert.Equal(1, redemptions);
    }

    private async Task<string> CouponAsync(int? maxRedemptions = null, int? perUserLimit = null, string? code = null)
    {
        code ??= ("RACE-" + Guid.NewGuid().ToString("N"))[..20].ToUpperInvariant();
        await Harness.UpsertCouponsAsync(new { code, kind = "FIXED", value = 1m, maxRedemptions, perUserLimit });
        return code;
    }

    /// <summary>The demo two-seller cart (25.50 USD) with one dollar off.</summary>
    private static object Body(string code) => new
    {
        cart = new object[]
        {
            new { productId = "p-mug", quantity = 2, sale_price = 10.25m, shopId = "shop-a" },
            new { productId = "p-tea", quantity = 1, sale_price = 5m, shopId = "shop-b" },
        },
        sellers = new[] { "shop-a", "shop-b" },
        totalAmount = 24.5m,
        coupon = new { code, discountAmount = 1m },
    };

    private async Task<(string SessionId, string InvoiceId)> SeedAsync(string user, string code)
    {
        var answer = await Harness.SeedAsync(user, Body(code));
        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        return (answer.Body.GetProperty("sessionId").GetString()!, answer.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!);
    }

    private static string User() => "user-coupon-" + Guid.NewGuid().ToString("N")[..10];
}
