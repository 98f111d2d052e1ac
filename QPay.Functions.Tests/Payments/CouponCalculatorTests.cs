using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Pricing;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Tests.Payments;

/// <summary>The coupon rules at their edges, at a fixed "now".</summary>
public sealed class CouponCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly CartLine[] Cart =
    [
        new("p1", 2, 10m, "shop-a"),
        new("p2", 1, 5m, "shop-b"),
    ];

    [Theory]
    [InlineData(0, null)] // validFrom is inclusive
    [InlineData(-1, "NOT_YET_VALID")]
    public void A_coupon_is_valid_from_its_first_instant(int secondsFromStart, string? reason)
    {
        var rule = Rule() with { ValidFrom = Now.AddSeconds(-secondsFromStart) };

        Assert.Equal(reason, CouponCalculator.Apply("C", new CouponStanding(rule, 0, 0), Cart, Now).Reason);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(0, "EXPIRED")] // validTo is exclusive
    public void A_coupon_is_valid_until_just_before_its_end(int secondsToEnd, string? reason)
    {
        var rule = Rule() with { ValidTo = Now.AddSeconds(secondsToEnd) };

        Assert.Equal(reason, CouponCalculator.Apply("C", new CouponStanding(rule, 0, 0), Cart, Now).Reason);
    }

    [Theory]
    [InlineData(4, 0, null)]
    [InlineData(5, 0, "EXHAUSTED")]
    [InlineData(0, 1, null)]
    [InlineData(0, 2, "USER_LIMIT_REACHED")]
    public void Limits_count_redemptions_so_far(int redemptions, int byUser, string? reason)
    {
        var rule = Rule() with { MaxRedemptions = 5, PerUserLimit = 2 };

        Assert.Equal(reason, CouponCalculator.Apply("C", new CouponStanding(rule, redemptions, byUser), Cart, Now).Reason);
    }

    [Theory]
    [InlineData(null, 25, null)]
    [InlineData(null, 25.01, "BELOW_MINIMUM")]
    [InlineData("shop-a", 20, null)] // a seller's coupon compares that seller's lines
    [InlineData("shop-a", 20.01, "BELOW_MINIMUM")]
    public void The_minimum_applies_to_the_lines_the_coupon_discounts(string? shopId, double minimum, string? reason)
    {
        var rule = Rule() with { ShopId = shopId, MinSubtotalUsd = (decimal)minimum };

        Assert.Equal(reason, CouponCalculator.Apply("C", new CouponStanding(rule, 0, 0), Cart, Now).Reason);
    }

    [Theory]
    [InlineData(CouponKind.Percent, "10", null, "2.50")]
    [InlineData(CouponKind.Percent, "10", "shop-b", "0.50")]
    [InlineData(CouponKind.Percent, "33.33", null, "8.33")] // 8.3325
    [InlineData(CouponKind.Percent, "0.1", "shop-b", "0.01")] // 0.005 rounds away from zero
    [InlineData(CouponKind.Fixed, "7", null, "7")]
    [InlineData(CouponKind.Fixed, "7", "shop-b", "5")] // at most the eligible subtotal
    public void The_discount_is_computed_from_the_rule(CouponKind kind, string value, string? shopId, string expected)
    {
        var rule = Rule() with { Kind = kind, Value = decimal.Parse(value), ShopId = shopId };

        var applied = CouponCalculator.Apply("C", new CouponStanding(rule, 0, 0), Cart, Now);

        Assert.Equal(decimal.Parse(expected), applied.Coupon!.DiscountAmount);
        Assert.Equal(shopId, applied.Coupon.ShopId);
    }

    [Fact]
    public void Unknown_inactive_another_shops_and_whole_cart_coupons_are_refused()
    {
        Assert.Equal("NOT_FOUND", CouponCalculator.Apply("C", null, Cart, Now).Reason);
        Assert.Equal("INACTIVE", CouponCalculator.Apply("C", new CouponStanding(Rule() with { Active = false }, 0, 0), Cart, Now).Reason);
        Assert.Equal("NOT_APPLICABLE", CouponCalculator.Apply("C", new CouponStanding(Rule() with { ShopId = "shop-z" }, 0, 0), Cart, Now).Reason);
        Assert.Equal("NOTHING_TO_PAY", CouponCalculator.Apply("C", new CouponStanding(Rule() with { Kind = CouponKind.Percent, Value = 100m }, 0, 0), Cart, Now).Reason);
    }

    private static CouponRule Rule() => new("C", CouponKind.Fixed, 1m, null, null, null, null, null, null, true, Now);
}
