using CsCheck;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Pricing;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// The money rules of a paid cart, over random carts, coupons and exchange rates: the server's
/// discount, the invoice in MNT and the split into one order per seller.
/// </summary>
public sealed class OrderSplitPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A cart of 1-5 shops with 1-6 lines each, a rate, and maybe a coupon (marketplace or one shop's).</summary>
    private static readonly Gen<(List<CartLine> Cart, decimal Rate, CouponRule? Rule)> Carts =
        Gen.Int[1, 5].SelectMany(shops =>
            Gen.Select(
                Gen.Select(Gen.Int[0, shops - 1], Gen.Int[1, 6]).Array[shops],
                Gen.Select(Gen.Int[1, 10_000_000], Gen.Int[1, 999]).Array[shops * 6],
                Gen.Int[1, 10_000_000],
                Gen.Select(Gen.Int[0, 2], Gen.Int[1, 10_000], Gen.Int[1, 50_000_000], Gen.Int[-1, shops - 1]),
                (lineCounts, lines, rateCents, coupon) =>
                {
                    var cart = new List<CartLine>();
                    for (var shop = 0; shop < shops; shop++)
                    {
                        for (var j = 0; j < lineCounts[shop].Item2; j++)
                        {
                            var (cents, quantity) = lines[shop * 6 + j];
                            cart.Add(new CartLine($"p{shop}-{j}", quantity, cents / 100m, $"shop{shop}"));
                        }
                    }

                    var (kind, percentBasisPoints, fixedCents, shopIndex) = coupon;
                    CouponRule? rule = kind switch
                    {
                        1 => Rule(CouponKind.Percent, percentBasisPoints / 100m, shopIndex),
                        2 => Rule(CouponKind.Fixed, fixedCents / 100m, shopIndex),
                        _ => null,
                    };
                    return (cart, rateCents / 100m, rule);
                }));

    [Fact]
    public void Orders_are_never_negative_share_the_coupon_exactly_and_add_up_to_the_invoice()
    {
        Carts.Sample(sample =>
        {
            var (cart, rate, rule) = sample;
            Coupon? coupon = null;
            if (rule is not null)
            {
                var applied = CouponCalculator.Apply(rule.Code, new CouponStanding(rule, 0, 0), cart, Now);
                if (applied.Coupon is null)
                {
                    // Only a coupon that would leave nothing to pay is refused without limits.
                    Assert.Equal(CouponCalculator.NothingToPay, applied.Reason);
                    return;
                }

                coupon = applied.Coupon;
            }

            var subtotal = cart.Sum(l => l.Quantity * l.SalePrice);
            var discount = coupon?.DiscountAmount ?? 0m;
            var totalUsd = subtotal - discount;
            var session = Session(cart, coupon, totalUsd, rate);
            var orders = OrderSplitter.Split(session, "inv-1", Now);

            Assert.True(totalUsd > 0);
            Assert.Equal(session.Sellers, orders.Select(o => o.ShopId));
            Assert.Equal(cart.Count, orders.Sum(o => o.Items.Count));
            Assert.Equal(subtotal, orders.Sum(o => o.SubtotalUsd));
            Assert.Equal(discount, orders.Sum(o => o.DiscountUsd));
            Assert.Equal(session.ExpectedMnt, orders.Sum(o => o.TotalMnt));
            foreach (var order in orders)
            {
                Assert.InRange(order.DiscountUsd, 0m, order.SubtotalUsd);
                Assert.Equal(decimal.Round(order.DiscountUsd, 2), order.DiscountUsd);
                Assert.True(order.TotalMnt >= 0 && order.TotalMnt == decimal.Truncate(order.TotalMnt), $"TotalMnt {order.TotalMnt}");
                // Each seller's tögrög are its share of the invoice, within one tögrög.
                Assert.True(Math.Abs(order.TotalMnt - session.ExpectedMnt * order.TotalUsd / totalUsd) < 1m, $"{order.TotalMnt} vs its share");
                if (coupon?.ShopId is { } funder && order.ShopId != funder)
                {
                    Assert.Equal(0m, order.DiscountUsd);
                }
            }
        });
    }

    [Fact]
    public void The_discount_is_what_the_coupon_rule_says()
    {
        Carts.Sample(sample =>
        {
            var (cart, _, rule) = sample;
            if (rule is null)
            {
                return;
            }

            var applied = CouponCalculator.Apply(rule.Code, new CouponStanding(rule, 0, 0), cart, Now);
            var eligible = cart.Where(l => rule.ShopId is null || l.ShopId == rule.ShopId).Sum(l => l.Quantity * l.SalePrice);
            var expected = rule.Kind == CouponKind.Percent
                ? decimal.Round(eligible * rule.Value / 100m, 2, MidpointRounding.AwayFromZero)
                : Math.Min(rule.Value, eligible);
            if (applied.Coupon is null)
            {
                Assert.True(cart.Sum(l => l.Quantity * l.SalePrice) - expected <= 0);
                return;
            }

            Assert.Equal(expected, applied.Coupon.DiscountAmount);
            Assert.InRange(applied.Coupon.DiscountAmount, 0m, eligible);
            Assert.Equal(rule.ShopId, applied.Coupon.ShopId);
        });
    }

    [Fact]
    public void Largest_remainder_shares_add_up_and_stay_within_one_unit_of_their_proportion()
    {
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[0, 100_000].Array[1, 8]).Sample((amount, weights) =>
        {
            var shares = LargestRemainder.Split(amount, 1m, weights.Select(w => (decimal)w).ToList());
            var total = weights.Sum();
            if (total == 0)
            {
                Assert.All(shares, s => Assert.Equal(0m, s));
                return;
            }

            Assert.Equal(amount, shares.Sum());
            for (var i = 0; i < weights.Length; i++)
            {
                var exact = (decimal)amount * weights[i] / total;
                Assert.True(shares[i] >= decimal.Floor(exact) && shares[i] <= decimal.Floor(exact) + 1, $"share {shares[i]} of {exact}");
                if (weights[i] == 0)
                {
                    Assert.Equal(0m, shares[i]);
                }
            }
        });
    }

    [Theory]
    [InlineData("100", "1,1,1", "34,33,33")] // leftover units go to the largest remainders, ties to the first
    [InlineData("0.05", "1,1", "0.03,0.02")]
    [InlineData("10", "0,5", "0,10")]
    public void Largest_remainder_examples(string amount, string weights, string expected)
    {
        var unit = amount.Contains('.') ? 0.01m : 1m;
        var shares = LargestRemainder.Split(decimal.Parse(amount), unit, weights.Split(',').Select(decimal.Parse).ToList());
        Assert.Equal(expected.Split(',').Select(decimal.Parse), shares);
    }

    private static CouponRule Rule(CouponKind kind, decimal value, int shopIndex) =>
        new("PROP", kind, value, null, shopIndex < 0 ? null : $"shop{shopIndex}", null, null, null, null, true, Now);

    private static PaymentSession Session(List<CartLine> cart, Coupon? coupon, decimal totalUsd, decimal rate) => new()
    {
        SessionId = "s1",
        UserId = "u1",
        Cart = cart,
        Sellers = cart.Select(l => l.ShopId).Distinct().ToList(),
        TotalUsd = totalUsd,
        Coupon = coupon,
        ExpectedMnt = MntAmount.FromUsd(totalUsd, rate),
        UsdToMntRate = rate,
        Status = SessionStatus.Paid,
        Origin = "public",
        CreatedAt = Now,
        ExpiresAt = Now.AddMinutes(30),
    };
}
