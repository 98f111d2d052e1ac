using QPay.Functions.Security;

namespace QPay.Functions.Payments.Catalog;

/// <summary>
/// The rules of the internal catalogue bodies: 1-<see cref="MaxItems"/> items, ids of safe
/// characters, USD prices above 0 in whole cents, each product once; coupons of a known kind
/// (PERCENT above 0 and at most 100, FIXED above 0), sensible limits and a validity window that
/// ends after it starts. The first item at fault is named by its JSON path.
/// </summary>
public static class CatalogValidator
{
    public const int MaxItems = 100;
    public const int MaxTitleLength = 200;
    public const decimal MaxCouponValue = 1_000_000m;

    public static ValidationProblem? Validate(ProductsRequest request, DateTimeOffset now, out IReadOnlyList<Product> products)
    {
        products = [];
        if (Items(request.Products, "products") is { } problem)
        {
            return problem;
        }

        var valid = new List<Product>(request.Products!.Count);
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < request.Products.Count; i++)
        {
            var path = $"products[{i}]";
            if (request.Products[i] is not { } input)
            {
                return new(path, $"{path} must be an object {{shopId, productId, salePrice, active, title}}.");
            }

            if (!Identifiers.IsValid(input.ShopId))
            {
                return new($"{path}.shopId", $"{path}.shopId is required and must be {Identifiers.Rule}.");
            }

            if (!Identifiers.IsValid(input.ProductId))
            {
                return new($"{path}.productId", $"{path}.productId is required and must be {Identifiers.Rule}.");
            }

            if (input.SalePrice is not { } price || price <= 0 || price > UsdAmount.MaxPrice || !UsdAmount.IsWholeCents(price))
            {
                return new($"{path}.salePrice", $"{path}.salePrice must be a USD price above 0, at most {UsdAmount.MaxPrice}, with at most 2 decimals.");
            }

            if (input.Title is { Length: > MaxTitleLength })
            {
                return new($"{path}.title", $"{path}.title must be at most {MaxTitleLength} characters.");
            }

            if (!seen.Add((input.ShopId!, input.ProductId!)))
            {
                return new($"{path}.productId", $"{path} repeats product {input.ProductId} of shop {input.ShopId}.");
            }

            valid.Add(new Product(input.ShopId!, input.ProductId!, price, input.Active ?? true, input.Title, now));
        }

        products = valid;
        return null;
    }

    public static ValidationProblem? Validate(CouponsRequest request, DateTimeOffset now, out IReadOnlyList<CouponRule> coupons)
    {
        coupons = [];
        if (Items(request.Coupons, "coupons") is { } problem)
        {
            return problem;
        }

        var valid = new List<CouponRule>(request.Coupons!.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Coupons.Count; i++)
        {
            var path = $"coupons[{i}]";
            if (request.Coupons[i] is not { } input)
            {
                return new(path, $"{path} must be an object {{code, kind, value, ...}}.");
            }

            if (ValidateCoupon(input, path, now, out var rule) is { } wrong)
            {
                return wrong;
            }

            if (!seen.Add(rule!.Code))
            {
                return new($"{path}.code", $"{path} repeats coupon {rule.Code}.");
            }

            valid.Add(rule);
        }

        coupons = valid;
        return null;
    }

    private static ValidationProblem? ValidateCoupon(CouponInput input, string path, DateTimeOffset now, out CouponRule? rule)
    {
        rule = null;
        if (!Identifiers.IsValid(input.Code))
        {
            return new($"{path}.code", $"{path}.code is required and must be {Identifiers.Rule}.");
        }

        CouponKind kind;
        switch (input.Kind?.ToUpperInvariant())
        {
            case "PERCENT":
                kind = CouponKind.Percent;
                break;
            case "FIXED":
                kind = CouponKind.Fixed;
                break;
            default:
                return new($"{path}.kind", $"{path}.kind must be PERCENT or FIXED.");
        }

        var maximum = kind == CouponKind.Percent ? 100m : MaxCouponValue;
        if (input.Value is not { } value || value <= 0 || value > maximum || !UsdAmount.IsWholeCents(value))
        {
            return new($"{path}.value", kind == CouponKind.Percent
                ? $"{path}.value must be a percentage above 0 and at most 100, with at most 2 decimals."
                : $"{path}.value must be a USD amount above 0, at most {MaxCouponValue}, with at most 2 decimals.");
        }

        if (input.MinSubtotal is { } min && (min < 0 || min > MaxCouponValue || !UsdAmount.IsWholeCents(min)))
        {
            return new($"{path}.minSubtotal", $"{path}.minSubtotal must be a USD amount of at least 0 with at most 2 decimals.");
        }

        if (input.ShopId is not null && !Identifiers.IsValid(input.ShopId))
        {
            return new($"{path}.shopId", $"{path}.shopId must be {Identifiers.Rule}.");
        }

        if (input.ValidFrom is { } from && input.ValidTo is { } to && to <= from)
        {
            return new($"{path}.validTo", $"{path}.validTo must be after validFrom.");
        }

        if (input.MaxRedemptions is < 1)
        {
            return new($"{path}.maxRedemptions", $"{path}.maxRedemptions must be at least 1 (leave it out for no limit).");
        }

        if (input.PerUserLimit is < 1)
        {
            return new($"{path}.perUserLimit", $"{path}.perUserLimit must be at least 1 (leave it out for no limit).");
        }

        rule = new CouponRule(
            CouponCodes.Normalize(input.Code!), kind, value, input.MinSubtotal, input.ShopId, input.ValidFrom, input.ValidTo,
            input.MaxRedemptions, input.PerUserLimit, input.Active ?? true, now);
        return null;
    }

    private static ValidationProblem? Items<T>(List<T?>? items, string name) where T : class =>
        items switch
        {
            null => new(name, $"{name} is required: a list of 1 to {MaxItems} items."),
            { Count: 0 } => new(name, $"{name} must not be empty."),
            { Count: > MaxItems } => new(name, $"{name} has {items.Count} items; at most {MaxItems} are allowed."),
            _ => null,
        };
}
