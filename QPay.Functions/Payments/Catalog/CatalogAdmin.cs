using Microsoft.Extensions.Logging;

namespace QPay.Functions.Payments.Catalog;

/// <summary>The answer to a catalogue write: how many items were written, or the first one at fault (nothing written).</summary>
public sealed record CatalogWrite(int Written, ValidationProblem? Problem);

/// <summary>
/// What the internal catalogue routes do: validate a whole batch before writing any of it, then
/// write products one shop partition at a time (each shop's products in one transaction, all or
/// none) and coupons one by one (a coupon's upsert keeps its redemption counts).
/// </summary>
public sealed class CatalogAdmin(IProductStore products, ICouponStore coupons, TimeProvider clock, ILogger<CatalogAdmin> logger)
{
    public async Task<CatalogWrite> UpsertProductsAsync(ProductsRequest request, CancellationToken cancellationToken)
    {
        if (CatalogValidator.Validate(request, clock.GetUtcNow(), out var valid) is { } problem)
        {
            return new CatalogWrite(0, problem);
        }

        foreach (var shop in valid.GroupBy(p => p.ShopId, StringComparer.Ordinal))
        {
            await products.UpsertShopAsync(shop.Key, shop.ToList(), cancellationToken).ConfigureAwait(false);
        }

        Log.CatalogUpdated(logger, valid.Count, "products");
        return new CatalogWrite(valid.Count, null);
    }

    public async Task<CatalogWrite> UpsertCouponsAsync(CouponsRequest request, CancellationToken cancellationToken)
    {
        if (CatalogValidator.Validate(request, clock.GetUtcNow(), out var valid) is { } problem)
        {
            return new CatalogWrite(0, problem);
        }

        foreach (var coupon in valid)
        {
            await coupons.UpsertAsync(coupon, cancellationToken).ConfigureAwait(false);
        }

        Log.CatalogUpdated(logger, valid.Count, "coupons");
        return new CatalogWrite(valid.Count, null);
    }

    public async Task<ProductView?> GetProductAsync(string shopId, string productId, CancellationToken cancellationToken) =>
        await products.GetAsync(shopId, productId, cancellationToken).ConfigureAwait(false) is { } product ? ProductView.From(product) : null;

    public Task<bool> DeleteProductAsync(string shopId, string productId, CancellationToken cancellationToken) =>
        products.DeleteAsync(shopId, productId, cancellationToken);

    public async Task<CouponView?> GetCouponAsync(string code, CancellationToken cancellationToken) =>
        await coupons.GetAsync(code, cancellationToken).ConfigureAwait(false) is { } found ? CouponView.From(found.Rule, found.Redemptions) : null;

    public Task<bool> DeleteCouponAsync(string code, CancellationToken cancellationToken) =>
        coupons.DeleteAsync(code, cancellationToken);
}
