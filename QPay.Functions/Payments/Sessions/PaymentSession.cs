using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Sessions;

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

public static class CartTotals
{
    /// <summary>What the lines cost before any coupon, USD: Σ quantity × sale_price.</summary>
    public static decimal Subtotal(this IEnumerable<CartLine> lines) => lines.Sum(l => l.Quantity * l.SalePrice);
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

    /// <summary>The QR, short URL and deeplinks QPay gave for <see cref="InvoiceId"/> (sessions seeded before issue 19 have none).</summary>
    public SessionInvoice? Invoice { get; init; }
    public required SessionStatus Status { get; init; }
    public decimal? PaidMnt { get; init; }
    public IReadOnlyList<string> OrderIds { get; init; } = [];

    /// <summary>QPay's error code when the invoice could not be created.</summary>
    public string? FailureCode { get; init; }

    /// <summary>When the session stops waiting for a payment: its invoice is then cancelled at QPay.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>When the customer (or another service) cancelled it.</summary>
    public DateTimeOffset? CancelledAt { get; init; }

    /// <summary>When it expired unpaid.</summary>
    public DateTimeOffset? ExpiredAt { get; init; }

    /// <summary>When a payment was verified after the session had expired or been cancelled (see LATE_PAYMENT_POLICY).</summary>
    public DateTimeOffset? LatePaymentAt { get; init; }

    /// <summary>The session's refunds (whole, a seller's share, an overpayment's excess), when it has any.</summary>
    public SessionRefund? Refund { get; init; }

    /// <summary>Who the e-receipts are for (personal data: never logged or shown to others); null: the settings' default.</summary>
    public EbarimtReceiver? Receiver { get; init; }

    /// <summary>The e-receipts of the session's payments, once its orders exist.</summary>
    public SessionReceipts? Receipts { get; init; }

    /// <summary><c>public</c> (a user's JWT) or <c>internal</c> (another service).</summary>
    public required string Origin { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Bumped by every stored change; the Redis copy never goes back to a lower one.</summary>
    public int Version { get; init; }

    /// <summary>
    /// Where the claim of its invoice lives: true (every session seeded since claims moved) in the
    /// session's own partition, so that session and claim are read in one query and written in one
    /// transaction; false (a session seeded before) in the ProcessedInvoices table.
    /// </summary>
    public bool ClaimInSessionPartition { get; init; }

    internal static readonly IReadOnlyDictionary<string, string> EmptySellerIds = new Dictionary<string, string>();
}
