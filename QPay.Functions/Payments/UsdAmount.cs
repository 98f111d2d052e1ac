namespace QPay.Functions.Payments;

/// <summary>The rules of a USD amount from outside (a cart, the catalogue, a coupon): whole cents, bounded.</summary>
public static class UsdAmount
{
    /// <summary>The highest price of one item.</summary>
    public const decimal MaxPrice = 100_000m;

    public static bool IsWholeCents(decimal value) => decimal.Round(value, 2) == value;
}
