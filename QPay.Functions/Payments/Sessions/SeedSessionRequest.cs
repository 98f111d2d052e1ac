using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Sessions;

// The request bodies of the seed-session routes (design §3), as sent. Numbers are read as
// decimals and checked by SeedSessionValidator, so that "2.5 items" gets a message naming the
// field rather than a parser error. Unknown fields (a userId in the public body) are ignored.

public sealed class SeedSessionRequest
{
    [JsonPropertyName("cart")] public List<CartLineInput?>? Cart { get; set; }
    [JsonPropertyName("sellers")] public List<string?>? Sellers { get; set; }
    [JsonPropertyName("totalAmount")] public decimal? TotalAmount { get; set; }
    [JsonPropertyName("shippingAddressId")] public string? ShippingAddressId { get; set; }
    [JsonPropertyName("coupon")] public CouponInput? Coupon { get; set; }
}

/// <summary>The internal route wraps the same fields, plus the user id, in <c>sessionData</c>.</summary>
public sealed class InternalSeedSessionRequest
{
    [JsonPropertyName("sessionData")] public InternalSessionData? SessionData { get; set; }
}

public sealed class InternalSessionData
{
    [JsonPropertyName("userId")] public string? UserId { get; set; }
    [JsonPropertyName("cart")] public List<CartLineInput?>? Cart { get; set; }
    [JsonPropertyName("sellers")] public List<string?>? Sellers { get; set; }
    [JsonPropertyName("totalAmount")] public decimal? TotalAmount { get; set; }
    [JsonPropertyName("shippingAddressId")] public string? ShippingAddressId { get; set; }
    [JsonPropertyName("coupon")] public CouponInput? Coupon { get; set; }

    public SeedSessionRequest ToRequest() => new()
    {
        Cart = Cart,
        Sellers = Sellers,
        TotalAmount = TotalAmount,
        ShippingAddressId = ShippingAddressId,
        Coupon = Coupon,
    };
}

public sealed class CartLineInput
{
    [JsonPropertyName("productId")] public string? ProductId { get; set; }
    [JsonPropertyName("quantity")] public decimal? Quantity { get; set; }
    [JsonPropertyName("sale_price")] public decimal? SalePrice { get; set; }
    [JsonPropertyName("shopId")] public string? ShopId { get; set; }
}

public sealed class CouponInput
{
    [JsonPropertyName("code")] public string? Code { get; set; }
    [JsonPropertyName("discountAmount")] public decimal? DiscountAmount { get; set; }
}
