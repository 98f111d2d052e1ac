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

public sealed record CartLine(
    [property: JsonPropertyName("productId")] string ProductId,
    [property: JsonPropertyName("quantity")] int Quantity,
    [property: JsonPropertyName("sale_price")] decimal SalePrice,
    [property: JsonPropertyName("shopId")] string ShopId);

public sealed record Coupon(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("discountAmount")] decimal DiscountAmount);

/// <summary>A checkout: the cart, what QPay is asked for, and how far the payment got.</summary>
public sealed record PaymentSession
{
    public required string SessionId { get; init; }
    public required string UserId { get; init; }
    public required IReadOnlyList<CartLine> Cart { get; init; }
    public required IReadOnlyList<string> Sellers { get; init; }
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
}
