using QPay.Functions.Security;

namespace QPay.Functions.Payments.Sessions;

/// <summary>A cart that passed validation, in the shape a session stores.</summary>
public sealed record Checkout(
    IReadOnlyList<CartLine> Cart,
    IReadOnlyList<string> Sellers,
    decimal TotalUsd,
    Coupon? Coupon,
    string? ShippingAddressId);

/// <summary>What is wrong with a request, naming the field (JSON path) it is about.</summary>
public sealed record ValidationProblem(string Field, string Message);

/// <summary>
/// The rules of a seed-session body (design §3): a non-empty cart of at most
/// <see cref="MaxLines"/> lines; integer quantities 1..999; prices above 0 with at most two
/// decimals; ids of safe characters; sellers equal to the set of cart shops; totalAmount equal,
/// to the cent, to the cart sum minus the coupon discount, and positive.
/// </summary>
public static class CheckoutValidator
{
    public const int MaxLines = 100;
    public const int MaxQuantity = 999;
    public const decimal MaxSalePrice = 100_000m;
    public const decimal MaxTotal = 1_000_000m;

    public static ValidationProblem? Validate(SeedSessionRequest request, out Checkout? checkout)
    {
        checkout = null;
        if (request.Cart is null)
        {
            return new("cart", "cart is required: a list of {productId, quantity, sale_price, shopId}.");
        }

        if (request.Cart.Count == 0)
        {
            return new("cart", "cart must not be empty.");
        }

        if (request.Cart.Count > MaxLines)
        {
            return new("cart", $"cart has {request.Cart.Count} lines; at most {MaxLines} are allowed.");
        }

        var lines = new List<CartLine>(request.Cart.Count);
        for (var i = 0; i < request.Cart.Count; i++)
        {
            var problem = ValidateLine(request.Cart[i], $"cart[{i}]", out var line);
            if (problem is not null)
            {
                return problem;
            }

            lines.Add(line!);
        }

        var sellersProblem = ValidateSellers(request.Sellers, lines, out var sellers);
        if (sellersProblem is not null)
        {
            return sellersProblem;
        }

        Coupon? coupon = null;
        if (request.Coupon is { } couponInput)
        {
            if (couponInput.Code is not null && !Identifiers.IsValid(couponInput.Code))
            {
                return new("coupon.code", $"coupon.code must be {Identifiers.Rule}.");
            }

            if (couponInput.DiscountAmount is not { } discount || discount < 0 || !HasAtMostTwoDecimals(discount))
            {
                return new("coupon.discountAmount", "coupon.discountAmount must be a number of at least 0 with at most 2 decimals.");
            }

            coupon = new Coupon(couponInput.Code, discount);
        }

        if (request.ShippingAddressId is not null && !Identifiers.IsValid(request.ShippingAddressId))
        {
            return new("shippingAddressId", $"shippingAddressId must be {Identifiers.Rule}.");
        }

        if (request.TotalAmount is not { } total)
        {
            return new("totalAmount", "totalAmount is required.");
        }

        if (total <= 0)
        {
            return new("totalAmount", "totalAmount must be greater than 0.");
        }

        if (total > MaxTotal)
        {
            return new("totalAmount", $"totalAmount must be at most {MaxTotal}.");
        }

        var expected = lines.Sum(l => l.Quantity * l.SalePrice) - (coupon?.DiscountAmount ?? 0m);
        if (total != expected)
        {
            return new("totalAmount", $"totalAmount {total} does not equal the cart sum minus coupon.discountAmount ({expected}).");
        }

        checkout = new Checkout(lines, sellers!, total, coupon, request.ShippingAddressId);
        return null;
    }

    private static ValidationProblem? ValidateLine(CartLineInput? input, string path, out CartLine? line)
    {
        line = null;
        if (input is null)
        {
            return new(path, $"{path} must be an object {{productId, quantity, sale_price, shopId}}.");
        }

        if (string.IsNullOrEmpty(input.ProductId))
        {
            return new($"{path}.productId", $"{path}.productId is required.");
        }

        if (!Identifiers.IsValid(input.ProductId))
        {
            return new($"{path}.productId", $"{path}.productId must be {Identifiers.Rule}.");
        }

        if (string.IsNullOrEmpty(input.ShopId))
        {
            return new($"{path}.shopId", $"{path}.shopId is required.");
        }

        if (!Identifiers.IsValid(input.ShopId))
        {
            return new($"{path}.shopId", $"{path}.shopId must be {Identifiers.Rule}.");
        }

        if (input.Quantity is not { } quantity || quantity != decimal.Truncate(quantity) || quantity < 1 || quantity > MaxQuantity)
        {
            return new($"{path}.quantity", $"{path}.quantity must be an integer from 1 to {MaxQuantity}.");
        }

        if (input.SalePrice is not { } price || price <= 0 || price > MaxSalePrice || !HasAtMostTwoDecimals(price))
        {
            return new($"{path}.sale_price", $"{path}.sale_price must be greater than 0, at most {MaxSalePrice}, with at most 2 decimals.");
        }

        line = new CartLine(input.ProductId, (int)quantity, price, input.ShopId);
        return null;
    }

    private static ValidationProblem? ValidateSellers(List<string?>? input, List<CartLine> lines, out IReadOnlyList<string>? sellers)
    {
        sellers = null;
        if (input is null)
        {
            return new("sellers", "sellers is required: the shopIds of the cart.");
        }

        for (var i = 0; i < input.Count; i++)
        {
            if (!Identifiers.IsValid(input[i]))
            {
                return new($"sellers[{i}]", $"sellers[{i}] must be {Identifiers.Rule}.");
            }
        }

        var listed = input.Select(s => s!).ToList();
        var shops = lines.Select(l => l.ShopId).Distinct(StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        if (listed.Count != listed.Distinct(StringComparer.Ordinal).Count())
        {
            return new("sellers", "sellers must list each shop once.");
        }

        if (!shops.SetEquals(listed))
        {
            return new("sellers", $"sellers must be exactly the shopIds of the cart ({string.Join(", ", shops.Order(StringComparer.Ordinal))}).");
        }

        sellers = listed;
        return null;
    }

    private static bool HasAtMostTwoDecimals(decimal value) => decimal.Round(value, 2) == value;
}
