using QPay.Functions.Payments.Pricing;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Orders;

/// <summary>One seller's part of a paid checkout.</summary>
public sealed record Order
{
    public required string OrderId { get; init; }
    public required string UserId { get; init; }
    public required string ShopId { get; init; }

    /// <summary>The marketplace's seller id, when the checkout named one for this shop.</summary>
    public string? SellerId { get; init; }
    public required IReadOnlyList<CartLine> Items { get; init; }

    /// <summary>The seller's items before the coupon, USD.</summary>
    public required decimal SubtotalUsd { get; init; }

    /// <summary>This seller's share of the coupon discount, USD (shares add up to the whole discount).</summary>
    public required decimal DiscountUsd { get; init; }
    public decimal TotalUsd => SubtotalUsd - DiscountUsd;

    /// <summary>This seller's part of the invoice, whole MNT: the orders of a payment add up to the invoice exactly.</summary>
    public required decimal TotalMnt { get; init; }
    public string? ShippingAddressId { get; init; }
    public Coupon? Coupon { get; init; }
    public required string InvoiceId { get; init; }
    public required string SessionId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set once the order is being paid back (PENDING) or was (REFUNDED); the row is kept.</summary>
    public OrderRefund? Refund { get; init; }
}

/// <summary>An order's refund, as the order shows it to the seller.</summary>
public sealed record OrderRefund(RefundStatus Status, string Reason, DateTimeOffset? RefundedAt);

/// <summary>
/// Splits a paid session into one order per seller. The coupon's discount is shared, to the cent,
/// among the sellers it applies to (all of them, or only the shop of a seller's coupon) in
/// proportion to their subtotals; the invoice's MNT among all sellers in proportion to their USD
/// totals (<see cref="LargestRemainder"/> both times). So no order is below 0, the discount shares
/// add up to the coupon, and the orders add up to the invoice exactly.
/// </summary>
public static class OrderSplitter
{
    public static IReadOnlyList<Order> Split(PaymentSession session, string invoiceId, DateTimeOffset createdAt)
    {
        var sellers = session.Sellers
            .Select(shop => (Shop: shop, Items: session.Cart.Where(l => l.ShopId == shop).ToList()))
            .Select(s => (s.Shop, s.Items, Subtotal: s.Items.Subtotal()))
            .ToList();
        var coupon = session.Coupon;
        var discounts = LargestRemainder.Split(
            coupon?.DiscountAmount ?? 0m,
            0.01m,
            sellers.Select(s => coupon?.ShopId is null || coupon.ShopId == s.Shop ? s.Subtotal : 0m).ToList());
        var totalsMnt = LargestRemainder.Split(session.ExpectedMnt, 1m, sellers.Select((s, i) => s.Subtotal - discounts[i]).ToList());

        return sellers.Select((s, i) => new Order
        {
            OrderId = OrderIds.For(invoiceId, s.Shop),
            UserId = session.UserId,
            ShopId = s.Shop,
            SellerId = session.SellerIds.GetValueOrDefault(s.Shop),
            Items = s.Items,
            SubtotalUsd = s.Subtotal,
            DiscountUsd = discounts[i],
            TotalMnt = totalsMnt[i],
            ShippingAddressId = session.ShippingAddressId,
            Coupon = session.Coupon,
            InvoiceId = invoiceId,
            SessionId = session.SessionId,
            CreatedAt = createdAt,
        }).ToList();
    }
}
