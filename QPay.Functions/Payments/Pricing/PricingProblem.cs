namespace QPay.Functions.Payments.Pricing;

/// <summary>Why the server would not price a cart as the buyer sent it.</summary>
public enum PricingError
{
    /// <summary>A product the named shop does not sell, or no longer sells (inactive).</summary>
    ProductUnavailable,

    /// <summary>A line's sale_price is not the catalogue's price: the frontend refreshes its cart.</summary>
    PriceChanged,

    /// <summary>The coupon cannot be used (unknown, inactive, not yet or no longer valid, below its minimum, used up).</summary>
    CouponInvalid,

    /// <summary>The coupon is valid but the buyer's discountAmount is not the one the server computes.</summary>
    CouponChanged,
}

/// <summary>One cart line the server prices otherwise than the request did.</summary>
public sealed record LineProblem(string Field, string ProductId, string ShopId, decimal? SentPrice, decimal? CurrentPrice, string Message);

/// <summary>
/// A refused cart: the field at fault (a JSON path), a sentence, each line concerned (price and
/// availability problems), and for coupons the reason code and the discount the server computes.
/// </summary>
public sealed record PricingProblem(
    PricingError Error,
    string Field,
    string Message,
    IReadOnlyList<LineProblem>? Lines = null,
    string? CouponReason = null,
    decimal? DiscountAmount = null);
