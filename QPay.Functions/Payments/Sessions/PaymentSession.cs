using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// Where a payment session is. The order is the only direction a session moves in
/// (<see cref="SessionStatusOrder"/>); <see cref="Failed"/> ends a session whose invoice could
/// not be created.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<SessionStatus>))]
public enum SessionStatus
{
    Pending,
    Paid,
    Processed,
    Failed,
}

public static class SessionStatusOrder
{
    /// <summary>True when moving from <paramref name="from"/> to <paramref name="to"/> is forward (or a no-op).</summary>
    public static bool CanMove(SessionStatus from, SessionStatus to) => (from, to) switch
    {
        _ when from == to => true,
        (SessionStatus.Pending, _) => true,
        (SessionStatus.Paid, SessionStatus.Processed) => true,
        _ => false,
    };

    public static string ToApi(this SessionStatus status) => status switch
    {
        SessionStatus.Pending => "PENDING",
        SessionStatus.Paid => "PAID",
        SessionStatus.Processed => "PROCESSED",
        _ => "FAILED",
    };
}

/// <summary>
/// A cart line as a session and an order keep it. <see cref="SalePrice"/> is the catalogue's USD
/// price when the session was seeded; <see cref="Title"/> and <see cref="SelectedOptions"/> are the
/// buyer's words for the seller (size, colour) and never take part in pricing.
/// </summary>
public sealed record CartLine(
    [property: JsonPropertyName("productId")] string ProductId,
    [property: JsonPropertyName("quantity")] int Quantity,
    [property: JsonPropertyName("sale_price")] decimal SalePrice,
    [property: JsonPropertyName("shopId")] string ShopId)
{
    [JsonPropertyName("title"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Title { get; init; }

    [JsonPropertyName("selectedOptions"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? SelectedOptions { get; init; }
}

/// <summary>
/// The coupon a session was priced with: the discount the server computed (USD), and the shop
/// that funds it when it is a seller's coupon (it then discounts only that shop's lines).
/// </summary>
public sealed record Coupon(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("discountAmount")] decimal DiscountAmount)
{
    [JsonPropertyName("shopId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ShopId { get; init; }
}

/// <summary>A checkout: the cart, what QPay is asked for, and how far the payment got.</summary>
public sealed record PaymentSession
{
    public required string SessionId { get; init; }
    public required string UserId { get; init; }
    public required IReadOnlyList<CartLine> Cart { get; init; }
    public required IReadOnlyList<string> Sellers { get; init; }

    /// <summary>The marketplace's seller id of a shop, where the request named one (kept on that shop's order).</summary>
    public IReadOnlyDictionary<string, string> SellerIds { get; init; } = EmptySellerIds;
    public required decimal TotalUsd { get; init; }
    public Coupon? Coupon { get; init; }
    public string? ShippingAddressId { get; init; }

    /// <summary>The invoice amount in whole MNT.</summary>
    public required decimal ExpectedMnt { get; init; }
    public required decimal UsdToMntRate { get; init; }
    public string? InvoiceId { get; init; }
    public required SessionStatus Status { get; init; }
    public decimal? PaidMnt { get; init; }
    public IReadOnlyList<string> OrderIds { get; init; } = [];

    /// <summary>QPay's error code when the invoice could not be created.</summary>
    public string? FailureCode { get; init; }

    /// <summary><c>public</c> (a user's JWT) or <c>internal</c> (another service).</summary>
    public required string Origin { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Bumped by every stored change; the Redis copy never goes back to a lower one.</summary>
    public int Version { get; init; }

    internal static readonly IReadOnlyDictionary<string, string> EmptySellerIds = new Dictionary<string, string>();
}
