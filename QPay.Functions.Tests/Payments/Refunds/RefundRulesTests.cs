using CsCheck;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Tests.Payments.Refunds;

/// <summary>The refund ledger's money rules and ids, without storage.</summary>
public sealed class RefundRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A request the refund routes and the automatic cases can make of a session's plan.</summary>
    private enum Ask
    {
        Whole,
        Shop,
        SettleExcess,
    }

    /// <summary>
    /// Over any order of requests (a whole refund, sellers' shares, the excess transferred), the
    /// money the plan sends back never exceeds what was paid: a whole refund (every payment) never
    /// sits beside a share or a transferred excess, and a shop's share is planned once. The amounts
    /// are those the ledger would record: the orders' MNT split of the invoice and the excess.
    /// </summary>
    [Fact]
    public void No_order_of_refund_requests_gives_back_more_than_was_paid()
    {
        var gen = Gen.Select(
            Gen.Int[1, 4],
            Gen.Int[1, 5_000_000],
            Gen.Int[0, 3],
            Gen.Select(Gen.Enum<Ask>(), Gen.Int[0, 3]).Array[1, 12]);
        gen.Sample((shops, expectedMnt, overpaid, asks) =>
        {
            var excess = MntAmount.Excess(expectedMnt + overpaid * 250m, expectedMnt);
            var paid = expectedMnt + excess;
            var session = Session(shops, expectedMnt);
            var shares = OrderSplitter.Split(session, "inv", Now).ToDictionary(o => o.ShopId, o => o.TotalMnt);

            RefundPlan? plan = null;
            foreach (var (ask, shop) in asks)
            {
                var changed = ask switch
                {
                    Ask.Whole => RefundPlanRules.WithWhole(plan, "s", "OTHER", null, "operator", Now),
                    Ask.Shop => RefundPlanRules.WithShop(plan, "s", $"shop{shop % shops}"),
                    _ => excess > 0m ? RefundPlanRules.WithExcessSettled(plan, "s", Now) : null,
                };
                plan = changed ?? plan;
                if (plan is null)
                {
                    continue;
                }

                var back = plan.IsWhole ? paid : plan.Shops.Sum(s => shares[s]) + (plan.ExcessSettledAt is null ? 0m : excess);
                Assert.True(back <= paid, $"{back} MNT back of {paid} paid");
                Assert.Equal(plan.Shops.Count, plan.Shops.Distinct().Count());
                Assert.False(plan.IsWhole && (plan.Shops.Count > 0 || plan.ExcessSettledAt is not null));
            }
        });
    }

    [Fact]
    public void The_first_whole_refund_keeps_its_reason()
    {
        var first = RefundPlanRules.WithWhole(null, "s", "FRAUD", "n", "operator", Now)!;

        Assert.Null(RefundPlanRules.WithWhole(first, "s", "OTHER", null, "automatic", Now.AddMinutes(1)));
        Assert.Equal(("FRAUD", "operator"), (first.WholeReason, first.WholeSource));
    }

    [Theory]
    [InlineData("payment-512034987650123")]
    [InlineData("payment-7f0c6a1e-2b7d-4c1e-9a55-0c9e1f3b2a10")]
    [InlineData("shop-shop:alpha@mn")]
    [InlineData("excess")]
    public void A_refund_id_names_its_session_and_row(string key)
    {
        var id = RefundKeys.RefundId("0123456789abcdef0123456789abcdef", key);

        Assert.True(RefundKeys.TryParse(id, out var sessionId, out var parsed));
        Assert.Equal(("0123456789abcdef0123456789abcdef", key), (sessionId, parsed));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no-separator")]
    [InlineData("~payment-1")]
    [InlineData("s1~")]
    [InlineData("s1~plan")]
    [InlineData("s1~something-else")]
    [InlineData("s/1~payment-1")]
    [InlineData("s1~payment-a/b")]
    public void Anything_else_is_no_refund_id(string? refundId) =>
        Assert.False(RefundKeys.TryParse(refundId, out _, out _));

    [Fact]
    public void A_payment_id_that_is_no_safe_key_is_hashed_into_one()
    {
        var key = RefundKeys.Payment("odd/id#1");

        Assert.Matches("^payment-h[0-9a-f]{32}$", key);
        Assert.Equal(key, RefundKeys.Payment("odd/id#1"));
    }

    [Fact]
    public void A_whole_refund_whose_payments_are_not_known_yet_shows_the_paid_amount_pending()
    {
        var session = Session(2, 10_000m) with { PaidMnt = 10_000m };
        var plan = RefundPlanRules.WithWhole(null, session.SessionId, "OTHER", null, "operator", Now);

        var summary = RefundProjection.Summarise(session, plan, [])!;

        Assert.Equal((RefundStatus.Pending, 10_000m, true), (summary.Status, summary.AmountMnt, summary.Whole));
        Assert.Empty(summary.Payments);
        Assert.Null(RefundProjection.Summarise(session, null, []));
    }

    [Fact]
    public void A_superseded_excess_neither_counts_nor_keeps_the_refund_pending()
    {
        var session = Session(1, 10_000m) with { PaidMnt = 10_500m };
        var plan = RefundPlanRules.WithWhole(null, session.SessionId, "OTHER", null, "operator", Now);
        RefundRecord[] records =
        [
            Record(session, "payment-1", RefundKind.Payment, 10_500m, RefundStatus.Refunded),
            Record(session, RefundKeys.Excess, RefundKind.Excess, 500m, RefundStatus.Superseded),
        ];

        var summary = RefundProjection.Summarise(session, plan, records)!;

        Assert.Equal((RefundStatus.Refunded, 10_500m), (summary.Status, summary.AmountMnt));
        Assert.True(RefundProjection.IsWholeRefundDone(plan, records));
        Assert.False(RefundProjection.IsWholeRefundDone(plan, [records[0] with { Status = RefundStatus.Pending }, records[1]]));
        Assert.False(RefundProjection.IsWholeRefundDone(null, records));
    }

    private static RefundRecord Record(PaymentSession session, string key, RefundKind kind, decimal amount, RefundStatus status) => new()
    {
        SessionId = session.SessionId, Key = key, InvoiceId = "inv", Kind = kind, AmountMnt = amount,
        Method = kind == RefundKind.Payment ? RefundMethod.Api : RefundMethod.Manual, Status = status, Reason = "OTHER", CreatedAt = Now,
    };

    private static PaymentSession Session(int shops, decimal expectedMnt)
    {
        var cart = Enumerable.Range(0, shops).Select(i => new CartLine($"p{i}", 1 + i, 1.25m * (i + 1), $"shop{i}")).ToList();
        return new PaymentSession
        {
            SessionId = "s",
            UserId = "u",
            Cart = cart,
            Sellers = cart.Select(l => l.ShopId).ToList(),
            TotalUsd = cart.Subtotal(),
            ExpectedMnt = expectedMnt,
            UsdToMntRate = 3400m,
            InvoiceId = "inv",
            Status = SessionStatus.Processed,
            ExpiresAt = Now.AddMinutes(30),
            Origin = "public",
            CreatedAt = Now,
        };
    }
}
