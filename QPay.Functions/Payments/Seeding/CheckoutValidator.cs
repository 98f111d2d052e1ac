using System.Text;
using System.Text.Json;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Pricing;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Security;

namespace QPay.Functions.Payments.Seeding;

/// <summary>
/// The shape rules of a seed-session body (design §3): a non-empty cart of at most
/// <see cref="MaxLines"/> lines; integer quantities 1..999; prices above 0 with at most two
/// decimals; ids of safe characters; a bounded title and selectedOptions; sellers (shopId strings
/// or <c>{shopId, sellerId}</c>) equal to the set of cart shops; a coupon with a code; totalAmount
/// equal, to the cent, to the cart sum minus the coupon discount, and positive. Whether the prices
/// and the discount are the server's is the pricer's question, asked next.
/// </summary>
public static class CheckoutValidator
{
    public const int MaxLines = 100;
    public const int MaxQuantity = 999;
    public const decimal MaxSalePrice = UsdAmount.MaxPrice;
    public const decimal MaxTotal = 1_000_000m;
    public const int MaxTitleLength = CatalogValidator.MaxTitleLength;
    public const int MaxSelectedOptionsBytes = 1024;

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

        var sellersProblem = ValidateSellers(request.Sellers, lines, out var sellers, out var sellerIds);
        if (sellersProblem is not null)
        {
            return sellersProblem;
        }

        Coupon? coupon = null;
        if (request.Coupon is { } couponInput)
        {
            if (!Identifiers.IsValid(couponInput.Code))
            {
                return new("coupon.code", $"coupon.code is required and must be {Identifiers.Rule}.");
            }

            if (couponInput.DiscountAmount is not { } discount || discount < 0 || !UsdAmount.IsWholeCents(discount))
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

        var expected = lines.Subtotal() - (coupon?.DiscountAmount ?? 0m);
        if (total != expected)
        {
            return new("totalAmount", $"totalAmount {total} does not equal the cart sum minus coupon.discountAmount ({expected}).");
        }

        checkout = new Checkout(lines, sellers!, sellerIds!, total, coupon, request.ShippingAddressId);
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

        if (input.SalePrice is not { } price || price <= 0 || price > MaxSalePrice || !UsdAmount.IsWholeCents(price))
        {
            return new($"{path}.sale_price", $"{path}.sale_price must be greater than 0, at most {MaxSalePrice}, with at most 2 decimals.");
        }

        if (input.Title is { Length: > MaxTitleLength })
        {
            return new($"{path}.title", $"{path}.title must be at most {MaxTitleLength} characters.");
        }

        if (input.SelectedOptions is { } options
            && (options.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null)
                || Encoding.UTF8.GetByteCount(options.GetRawText()) > MaxSelectedOptionsBytes))
        {
            return new($"{path}.selectedOptions", $"{path}.selectedOptions must be an object or an array of at most {MaxSelectedOptionsBytes} bytes.");
        }

        line = new CartLine(input.ProductId, (int)quantity, price, input.ShopId)
        {
            Title = input.Title,
            SelectedOptions = input.SelectedOptions is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } kept ? kept.Clone() : null,
        };
        return null;
    }

    private static ValidationProblem? ValidateSellers(
        List<SellerInput?>? input, List<CartLine> lines, out IReadOnlyList<string>? sellers, out IReadOnlyDictionary<string, string>? sellerIds)
    {
        sellers = null;
        sellerIds = null;
        if (input is null)
        {
            return new("sellers", "sellers is required: the shopIds of the cart.");
        }

        var listed = new List<string>(input.Count);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < input.Count; i++)
        {
            if (input[i] is not { } seller)
            {
                return new($"sellers[{i}]", $"sellers[{i}] must be a shopId or an object {{shopId, sellerId}}.");
            }

            if (!Identifiers.IsValid(seller.ShopId))
            {
                return new($"sellers[{i}]", $"sellers[{i}] must name a shopId of {Identifiers.Rule}.");
            }

            if (seller.SellerId is not null && !Identifiers.IsValid(seller.SellerId))
            {
                return new($"sellers[{i}].sellerId", $"sellers[{i}].sellerId must be {Identifiers.Rule}.");
            }

            listed.Add(seller.ShopId!);
            if (seller.SellerId is not null)
            {
                ids[seller.ShopId!] = seller.SellerId;
            }
        }

        var shops = lines.Select(l => l.ShopId).ToHashSet(StringComparer.Ordinal);
        if (listed.Count != listed.Distinct(StringComparer.Ordinal).Count())
        {
            return new("sellers", "sellers must list each shop once.");
        }

        if (!shops.SetEquals(listed))
        {
            return new("sellers", $"sellers must be exactly the shopIds of the cart ({string.Join(", ", shops.Order(StringComparer.Ordinal))}).");
        }

        sellers = listed;
        sellerIds = ids;
        return null;
    }

}
