using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Pricing;

/// <summary>A cart priced by the server (<see cref="Priced"/>), or why not (<see cref="Problem"/>).</summary>
public sealed record PricingOutcome(Checkout? Priced, PricingProblem? Problem);

/// <summary>
/// Prices a well-formed cart from the server's own data, so that every tögrög on an invoice is one
/// the server computed: each line's price comes from the catalogue (the request's sale_price must
/// equal it), the discount from the coupon's rule (the request's discountAmount must equal it).
/// Costs one catalogue query per distinct shop and one coupon query, all at once.
/// </summary>
public sealed class CheckoutPricer(IProductCatalog catalog, ICouponStore coupons, TimeProvider clock)
{
    public async Task<PricingOutcome> PriceAsync(string userId, Checkout request, CancellationToken cancellationToken)
    {
        var shops = request.Cart.GroupBy(l => l.ShopId, StringComparer.Ordinal).ToList();
        var productsTask = Task.WhenAll(shops.Select(shop =>
            catalog.GetProductsAsync(shop.Key, shop.Select(l => l.ProductId).Distinct(StringComparer.Ordinal).ToList(), cancellationToken)));
        var standingTask = request.Coupon is { Code: { } code }
            ? coupons.GetStandingAsync(code, userId, cancellationToken)
            : Task.FromResult<CouponStanding?>(null);
        var products = await productsTask.ConfigureAwait(false);
        var standing = await standingTask.ConfigureAwait(false);
        var byShop = shops.Select((shop, i) => (shop.Key, products[i])).ToDictionary(p => p.Key, p => p.Item2, StringComparer.Ordinal);

        var (lines, problem) = PriceLines(request.Cart, byShop);
        if (problem is not null)
        {
            return new PricingOutcome(null, problem);
        }

        Coupon? coupon = null;
        if (request.Coupon is { } asked)
        {
            var applied = CouponCalculator.Apply(asked.Code!, standing, lines, clock.GetUtcNow());
            if (applied.Coupon is null)
            {
                return new PricingOutcome(null, new PricingProblem(PricingError.CouponInvalid, "coupon.code", applied.Message!, CouponReason: applied.Reason));
            }

            if (applied.Coupon.DiscountAmount != asked.DiscountAmount)
            {
                return new PricingOutcome(null, new PricingProblem(
                    PricingError.CouponChanged,
                    "coupon.discountAmount",
                    $"coupon.discountAmount is {applied.Coupon.DiscountAmount} for this cart, not {asked.DiscountAmount}.",
                    DiscountAmount: applied.Coupon.DiscountAmount));
            }

            coupon = applied.Coupon;
        }

        var total = lines.Subtotal() - (coupon?.DiscountAmount ?? 0m);
        return new PricingOutcome(request with { Cart = lines, Coupon = coupon, TotalUsd = total }, null);
    }

    private static (IReadOnlyList<CartLine> Lines, PricingProblem? Problem) PriceLines(
        IReadOnlyList<CartLine> cart, IReadOnlyDictionary<string, IReadOnlyDictionary<string, Product>> catalogue)
    {
        var priced = new List<CartLine>(cart.Count);
        var unavailable = new List<LineProblem>();
        var changed = new List<LineProblem>();
        for (var i = 0; i < cart.Count; i++)
        {
            var line = cart[i];
            if (!catalogue[line.ShopId].TryGetValue(line.ProductId, out var product) || !product.Active)
            {
                var field = $"cart[{i}].productId";
                var why = product is null ? $"is not a product of shop {line.ShopId}" : "is no longer sold";
                unavailable.Add(new LineProblem(field, line.ProductId, line.ShopId, line.SalePrice, null, $"{field} {line.ProductId} {why}."));
                continue;
            }

            if (product.SalePriceUsd != line.SalePrice)
            {
                var field = $"cart[{i}].sale_price";
                changed.Add(new LineProblem(field, line.ProductId, line.ShopId, line.SalePrice, product.SalePriceUsd,
                    $"{field} is {line.SalePrice}, but {line.ProductId} now costs {product.SalePriceUsd} USD."));
            }

            priced.Add(line with { SalePrice = product.SalePriceUsd, Title = line.Title ?? product.Title });
        }

        if (unavailable.Count > 0)
        {
            return ([], new PricingProblem(PricingError.ProductUnavailable, unavailable[0].Field, Summary(unavailable), unavailable));
        }

        return changed.Count > 0
            ? ([], new PricingProblem(PricingError.PriceChanged, changed[0].Field, Summary(changed), changed))
            : (priced, null);
    }

    private static string Summary(IReadOnlyList<LineProblem> lines) =>
        lines.Count == 1 ? lines[0].Message : $"{lines[0].Message} ({lines.Count - 1} more line(s) listed in lines).";
}
