namespace QPay.Functions.Payments.Catalog;

/// <summary>
/// A product as the server prices it: the only source of a cart line's price. Prices are USD
/// with at most two decimals; an inactive product cannot be bought.
/// </summary>
public sealed record Product(
    string ShopId,
    string ProductId,
    decimal SalePriceUsd,
    bool Active,
    string? Title,
    DateTimeOffset UpdatedAt);
