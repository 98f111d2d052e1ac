using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Catalog;

/// <summary>PERCENT takes a share of the eligible subtotal; FIXED takes a USD amount (at most the eligible subtotal).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CouponKind>))]
public enum CouponKind
{
    [JsonStringEnumMemberName("PERCENT")] Percent,
    [JsonStringEnumMemberName("FIXED")] Fixed,
}

/// <summary>
/// A coupon as the server computes it. With <see cref="ShopId"/> it is seller-funded and
/// discounts only that seller's lines; <see cref="MinSubtotalUsd"/> applies to the lines it
/// discounts. Limits count redemptions, which happen when a payment is verified.
/// </summary>
public sealed record CouponRule(
    string Code,
    CouponKind Kind,
    decimal Value,
    decimal? MinSubtotalUsd,
    string? ShopId,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidTo,
    int? MaxRedemptions,
    int? PerUserLimit,
    bool Active,
    DateTimeOffset UpdatedAt);

/// <summary>A coupon with how often it was redeemed, in all and by one user.</summary>
public sealed record CouponStanding(CouponRule Rule, int Redemptions, int UserRedemptions);

/// <summary>Coupon codes are case-insensitive: stored and looked up in upper case.</summary>
public static class CouponCodes
{
    public static string Normalize(string code) => code.ToUpperInvariant();
}
