using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Catalog;

/// <summary>A row of the Products table (PK = shopId, RK = productId); the price is an invariant decimal string.</summary>
internal sealed class ProductEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string SalePriceUsd { get; set; } = "0";
    public bool Active { get; set; }
    public string? Title { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static ProductEntity From(Product product) => new()
    {
        PartitionKey = product.ShopId,
        RowKey = product.ProductId,
        SalePriceUsd = TableDecimal.Format(product.SalePriceUsd),
        Active = product.Active,
        Title = product.Title,
        UpdatedAt = product.UpdatedAt,
    };

    public Product ToProduct() => new(PartitionKey, RowKey, TableDecimal.Parse(SalePriceUsd), Active, Title, UpdatedAt);
}
