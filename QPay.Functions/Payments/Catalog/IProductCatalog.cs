namespace QPay.Functions.Payments.Catalog;

/// <summary>
/// Where seed-session reads prices. The Products table is the default; a marketplace whose
/// catalogue lives elsewhere registers its own implementation instead.
/// </summary>
public interface IProductCatalog
{
    /// <summary>
    /// The products of <paramref name="shopId"/> among <paramref name="productIds"/>, keyed by
    /// product id; ids the shop does not sell are absent. One query per call: pricing a cart costs
    /// one call per distinct shop.
    /// </summary>
    Task<IReadOnlyDictionary<string, Product>> GetProductsAsync(string shopId, IReadOnlyCollection<string> productIds, CancellationToken cancellationToken);
}
