using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Pricing;

/// <summary>
/// A cart in the shape a session stores. Out of the seed-session validator it holds the
/// buyer's prices and discount, well-formed and adding up; only the pricer's copy (catalogue
/// prices, the server's discount) is ever turned into a session.
/// </summary>
public sealed record Checkout(
    IReadOnlyList<CartLine> Cart,
    IReadOnlyList<string> Sellers,
    IReadOnlyDictionary<string, string> SellerIds,
    decimal TotalUsd,
    Coupon? Coupon,
    string? ShippingAddressId);
