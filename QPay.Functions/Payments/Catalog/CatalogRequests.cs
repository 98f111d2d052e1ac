using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Catalog;

// The bodies of the internal catalogue routes, as sent; CatalogValidator checks them and names the field at fault.

public sealed class ProductsRequest
{
    [JsonPropertyName("products")] public List<ProductInput?>? Products { get; set; }
}

public sealed class ProductInput
{
    [JsonPropertyName("shopId")] public string? ShopId { get; set; }
    [JsonPropertyName("productId")] public string? ProductId { get; set; }
    [JsonPropertyName("salePrice")] public decimal? SalePrice { get; set; }

    /// <summary>Defaults to true: a product is on sale unless it says otherwise.</summary>
    [JsonPropertyName("active")] public bool? Active { get; set; }
    [JsonPropertyName("title")] public string? Title { get; set; }
}

public sealed class CouponsRequest
{
    [JsonPropertyName("coupons")] public List<CouponInput?>? Coupons { get; set; }
}

public sealed class CouponInput
{
    [JsonPropertyName("code")] public string? Code { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("value")] public decimal? Value { get; set; }
    [JsonPropertyName("minSubtotal")] public decimal? MinSubtotal { get; set; }
    [JsonPropertyName("shopId")] public string? ShopId { get; set; }
    [JsonPropertyName("validFrom")] public DateTimeOffset? ValidFrom { get; set; }
    [JsonPropertyName("validTo")] public DateTimeOffset? ValidTo { get; set; }
    [JsonPropertyName("maxRedemptions")] public int? MaxRedemptions { get; set; }
    [JsonPropertyName("perUserLimit")] public int? PerUserLimit { get; set; }

    /// <summary>Defaults to true.</summary>
    [JsonPropertyName("active")] public bool? Active { get; set; }
}

/// <summary>A product as the internal GET answers it.</summary>
public sealed record ProductView(string ShopId, string ProductId, decimal SalePrice, bool Active, string? Title, DateTimeOffset UpdatedAt)
{
    public static ProductView From(Product p) => new(p.ShopId, p.ProductId, p.SalePriceUsd, p.Active, p.Title, p.UpdatedAt);
}

/// <summary>A coupon as the internal GET answers it, with how often it was redeemed.</summary>
public sealed record CouponView(
    string Code,
    CouponKind Kind,
    decimal Value,
    decimal? MinSubtotal,
    string? ShopId,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidTo,
    int? MaxRedemptions,
    int? PerUserLimit,
    bool Active,
    DateTimeOffset UpdatedAt,
    int Redemptions)
{
    public static CouponView From(CouponRule r, int redemptions) =>
        new(r.Code, r.Kind, r.Value, r.MinSubtotalUsd, r.ShopId, r.ValidFrom, r.ValidTo, r.MaxRedemptions, r.PerUserLimit, r.Active, r.UpdatedAt, redemptions);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ProductsRequest))]
[JsonSerializable(typeof(CouponsRequest))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
