using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Orders;

/// <summary>One seller's part of a paid checkout.</summary>
public sealed record Order
{
    public required string OrderId { get; init; }
    public required string UserId { get; init; }
    public required string ShopId { get; init; }
    public required IReadOnlyList<CartLine> Items { get; init; }

    /// <summary>The seller's items before the coupon, USD.</summary>
    public required decimal SubtotalUsd { get; init; }

    /// <summary>This seller's share of the coupon discount, USD (shares add up to the whole discount).</summary>
    public required decimal DiscountUsd { get; init; }
    public decimal TotalUsd => SubtotalUsd - DiscountUsd;
    public string? ShippingAddressId { get; init; }
    public Coupon? Coupon { get; init; }
    public required string InvoiceId { get; init; }
    public required string SessionId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Splits a paid session into one order per seller.</summary>
public static class OrderSplitter
{
    public static IReadOnlyList<Order> Split(PaymentSession session, string invoiceId, DateTimeOffset createdAt)
    {
        var subtotals = session.Sellers
            .Select(shop => (Shop: shop, Items: session.Cart.Where(l => l.ShopId == shop).ToList()))
            .Select(s => (s.Shop, s.Items, Subtotal: s.Items.Sum(l => l.Quantity * l.SalePrice)))
            .ToList();
        var discount = session.Coupon?.DiscountAmount ?? 0m;
        var cartTotal = subtotals.Sum(s => s.Subtotal);
        var orders = new List<Order>(subtotals.Count);
        var allocated = 0m;
        for (var i = 0; i < subtotals.Count; i++)
        {
            var (shop, items, subtotal) = subtotals[i];
            // Proportional shares rounded to the cent; the last seller takes the remainder so
            // the shares add up to the coupon exactly.
            var share = i == subtotals.Count - 1
                ? discount - allocated
                : cartTotal == 0 ? 0 : decimal.Round(discount * subtotal / cartTotal, 2, MidpointRounding.AwayFromZero);
            allocated += share;
            orders.Add(new Order
            {
                OrderId = OrderIds.For(invoiceId, shop),
                UserId = session.UserId,
                ShopId = shop,
                Items = items,
                SubtotalUsd = subtotal,
                DiscountUsd = share,
                ShippingAddressId = session.ShippingAddressId,
                Coupon = session.Coupon,
                InvoiceId = invoiceId,
                SessionId = session.SessionId,
                CreatedAt = createdAt,
            });
        }

        return orders;
    }
}
