using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Pricing;

/// <summary>A coupon the server applied (<see cref="Coupon"/>), or why it cannot be used (<see cref="Reason"/>).</summary>
public sealed record CouponOutcome(Coupon? Coupon, string? Reason, string? Message)
{
    public static CouponOutcome Refused(string reason, string message) => new(null, reason, message);
}

/// <summary>
/// The discount of a coupon on a cart, as the server computes it. The eligible lines are the whole
/// cart, or the coupon's shop's lines for a seller's coupon; the minimum subtotal applies to them.
/// PERCENT is rounded to the cent, halves away from zero; FIXED is at most the eligible subtotal.
/// Limits compare the redemptions counted so far (paid sessions) with the coupon's maximums.
/// </summary>
public static class CouponCalculator
{
    public const string NotFound = "NOT_FOUND";
    public const string Inactive = "INACTIVE";
    public const string NotYetValid = "NOT_YET_VALID";
    public const string Expired = "EXPIRED";
    public const string NotApplicable = "NOT_APPLICABLE";
    public const string BelowMinimum = "BELOW_MINIMUM";
    public const string Exhausted = "EXHAUSTED";
    public const string UserLimitReached = "USER_LIMIT_REACHED";
    public const string NothingToPay = "NOTHING_TO_PAY";

    public static CouponOutcome Apply(string code, CouponStanding? standing, IReadOnlyList<CartLine> cart, DateTimeOffset now)
    {
        if (standing is null)
        {
            return CouponOutcome.Refused(NotFound, $"coupon.code {code} is not a known coupon.");
        }

        var rule = standing.Rule;
        if (!rule.Active)
        {
            return CouponOutcome.Refused(Inactive, $"coupon.code {code} is no longer active.");
        }

        if (rule.ValidFrom is { } from && now < from)
        {
            return CouponOutcome.Refused(NotYetValid, $"coupon.code {code} is valid only from {from:O}.");
        }

        if (rule.ValidTo is { } to && now >= to)
        {
            return CouponOutcome.Refused(Expired, $"coupon.code {code} expired at {to:O}.");
        }

        var eligible = rule.ShopId is null ? cart : cart.Where(l => l.ShopId == rule.ShopId).ToList();
        if (eligible.Count == 0)
        {
            return CouponOutcome.Refused(NotApplicable, $"coupon.code {code} applies only to shop {rule.ShopId}, which is not in the cart.");
        }

        var subtotal = eligible.Subtotal();
        if (rule.MinSubtotalUsd is { } minimum && subtotal < minimum)
        {
            return CouponOutcome.Refused(BelowMinimum, $"coupon.code {code} needs a subtotal of at least {minimum} USD{(rule.ShopId is null ? "" : $" from shop {rule.ShopId}")}; the cart has {subtotal}.");
        }

        if (rule.MaxRedemptions is { } max && standing.Redemptions >= max)
        {
            return CouponOutcome.Refused(Exhausted, $"coupon.code {code} has been used up.");
        }

        if (rule.PerUserLimit is { } perUser && standing.UserRedemptions >= perUser)
        {
            return CouponOutcome.Refused(UserLimitReached, $"coupon.code {code} can be used {perUser} time(s) per customer, and this customer has used it up.");
        }

        var discount = rule.Kind == CouponKind.Percent
            ? decimal.Round(subtotal * rule.Value / 100m, 2, MidpointRounding.AwayFromZero)
            : Math.Min(rule.Value, subtotal);
        if (cart.Subtotal() - discount <= 0)
        {
            return CouponOutcome.Refused(NothingToPay, $"coupon.code {code} would leave nothing to pay through QPay.");
        }

        return new CouponOutcome(new Coupon(rule.Code, discount) { ShopId = rule.ShopId }, null, null);
    }
}
