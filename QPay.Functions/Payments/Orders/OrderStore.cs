using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Orders;

/// <summary>The Orders table (PK = userId, RK = orderId).</summary>
public interface IOrderStore
{
    /// <summary>
    /// Writes the orders over rows of the same ids (a retry rewrites, never duplicates), all or
    /// none: one entity-group transaction per user partition (a payment's orders share one), in
    /// chunks of <see cref="OrderTableStore.MaxPerTransaction"/>. A refund marked on a row meanwhile is kept.
    /// </summary>
    Task UpsertAllAsync(IReadOnlyList<Order> orders, CancellationToken cancellationToken);

    Task<Order?> GetAsync(string userId, string orderId, CancellationToken cancellationToken);

    /// <summary>Marks the order refunded or being refunded; false when there is no such order.</summary>
    Task<bool> MarkRefundAsync(string userId, string orderId, OrderRefund refund, CancellationToken cancellationToken);

    Task<IReadOnlyList<Order>> ListForUserAsync(string userId, CancellationToken cancellationToken);
}

internal sealed class OrderTableStore(StorageClients storage) : IOrderStore
{
    /// <summary>Table Storage's limit of operations in one entity-group transaction.</summary>
    public const int MaxPerTransaction = 100;

    public async Task UpsertAllAsync(IReadOnlyList<Order> orders, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.OrdersTable, cancellationToken).ConfigureAwait(false);
        foreach (var partition in orders.GroupBy(o => o.UserId))
        {
            foreach (var chunk in partition.Chunk(MaxPerTransaction))
            {
                // Merge: a redelivered order message must not wipe the refund columns (they are absent here).
                var actions = chunk.Select(o => new TableTransactionAction(TableTransactionActionType.UpsertMerge, OrderEntity.From(o))).ToList();
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<Order?> GetAsync(string userId, string orderId, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.OrdersTable, cancellationToken).ConfigureAwait(false);
        var read = await table.GetEntityIfExistsAsync<OrderEntity>(userId, orderId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return read.HasValue ? read.Value!.ToOrder() : null;
    }

    public async Task<bool> MarkRefundAsync(string userId, string orderId, OrderRefund refund, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.OrdersTable, cancellationToken).ConfigureAwait(false);
        var columns = new TableEntity(userId, orderId)
        {
            [nameof(OrderEntity.RefundStatus)] = refund.Status.ToString(),
            [nameof(OrderEntity.RefundReason)] = refund.Reason,
            [nameof(OrderEntity.RefundedAt)] = refund.RefundedAt,
        };
        try
        {
            await table.UpdateEntityAsync(columns, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<Order>> ListForUserAsync(string userId, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.OrdersTable, cancellationToken).ConfigureAwait(false);
        var orders = new List<Order>();
        await foreach (var entity in table.QueryAsync<OrderEntity>(e => e.PartitionKey == userId, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            orders.Add(entity.ToOrder());
        }

        return orders;
    }
}

internal sealed class OrderEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ShopId { get; set; } = string.Empty;
    public string? SellerId { get; set; }
    public string ItemsJson { get; set; } = "[]";
    public string SubtotalUsd { get; set; } = "0";
    public string DiscountUsd { get; set; } = "0";
    public string TotalUsd { get; set; } = "0";
    public string TotalMnt { get; set; } = "0";
    public string? ShippingAddressId { get; set; }
    public string? CouponJson { get; set; }
    public string InvoiceId { get; set; } = string.Empty;
    public string SessionId { get; set; } = string.Empty;
    public DateTimeOffset CreatedAt { get; set; }

    // Written by MarkRefundAsync only; null (so left alone by a merge) in a freshly built order.
    public string? RefundStatus { get; set; }
    public string? RefundReason { get; set; }
    public DateTimeOffset? RefundedAt { get; set; }

    public static OrderEntity From(Order order) => new()
    {
        PartitionKey = order.UserId,
        RowKey = order.OrderId,
        ShopId = order.ShopId,
        SellerId = order.SellerId,
        ItemsJson = JsonSerializer.Serialize(order.Items, SessionJsonContext.Default.IReadOnlyListCartLine),
        SubtotalUsd = TableDecimal.Format(order.SubtotalUsd),
        DiscountUsd = TableDecimal.Format(order.DiscountUsd),
        TotalUsd = TableDecimal.Format(order.TotalUsd),
        TotalMnt = TableDecimal.Format(order.TotalMnt),
        ShippingAddressId = order.ShippingAddressId,
        CouponJson = order.Coupon is null ? null : JsonSerializer.Serialize(order.Coupon, SessionJsonContext.Default.Coupon),
        InvoiceId = order.InvoiceId,
        SessionId = order.SessionId,
        CreatedAt = order.CreatedAt,
    };

    public Order ToOrder() => new()
    {
        OrderId = RowKey,
        UserId = PartitionKey,
        ShopId = ShopId,
        SellerId = SellerId,
        Items = JsonSerializer.Deserialize(ItemsJson, SessionJsonContext.Default.IReadOnlyListCartLine) ?? [],
        SubtotalUsd = TableDecimal.Parse(SubtotalUsd),
        DiscountUsd = TableDecimal.Parse(DiscountUsd),
        TotalMnt = TableDecimal.Parse(TotalMnt),
        ShippingAddressId = ShippingAddressId,
        Coupon = CouponJson is null ? null : JsonSerializer.Deserialize(CouponJson, SessionJsonContext.Default.Coupon),
        InvoiceId = InvoiceId,
        SessionId = SessionId,
        CreatedAt = CreatedAt,
        Refund = RefundStatus is null ? null : new OrderRefund(Enum.Parse<RefundStatus>(RefundStatus), RefundReason ?? string.Empty, RefundedAt),
    };
}
