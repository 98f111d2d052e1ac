using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Catalog;

/// <summary>Management of the Products table (the internal catalogue routes).</summary>
public interface IProductStore
{
    /// <summary>Writes the products of one shop in one transaction (at most 100): all or none.</summary>
    Task UpsertShopAsync(string shopId, IReadOnlyList<Product> products, CancellationToken cancellationToken);

    Task<Product?> GetAsync(string shopId, string productId, CancellationToken cancellationToken);

    /// <summary>Answers false when there was no such product.</summary>
    Task<bool> DeleteAsync(string shopId, string productId, CancellationToken cancellationToken);
}

/// <summary>
/// The Products table (PK = shopId, RK = productId): the default <see cref="IProductCatalog"/>
/// and the store the internal routes manage.
/// </summary>
internal sealed class ProductTable(StorageClients storage) : IProductCatalog, IProductStore
{
    /// <summary>
    /// Table Storage allows at most 15 comparisons in a filter: up to this many ids are asked by
    /// name, more by the key range they span (still one query, filtered here).
    /// </summary>
    internal const int MaxIdsByName = 14;

    public async Task<IReadOnlyDictionary<string, Product>> GetProductsAsync(string shopId, IReadOnlyCollection<string> productIds, CancellationToken cancellationToken)
    {
        var wanted = productIds.ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<string, Product>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return found;
        }

        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var entity in table.QueryAsync<ProductEntity>(Filter(shopId, wanted), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains(entity.RowKey))
            {
                found[entity.RowKey] = entity.ToProduct();
            }
        }

        return found;
    }

    public async Task UpsertShopAsync(string shopId, IReadOnlyList<Product> products, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var actions = products.Select(p => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ProductEntity.From(p))).ToList();
        await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Product?> GetAsync(string shopId, string productId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var read = await table.GetEntityIfExistsAsync<ProductEntity>(shopId, productId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return read.HasValue ? read.Value!.ToProduct() : null;
    }

    public async Task<bool> DeleteAsync(string shopId, string productId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        return await table.DeleteIfExistsAsync(shopId, productId, cancellationToken).ConfigureAwait(false);
    }

    internal static string Filter(string shopId, IReadOnlyCollection<string> productIds)
    {
        var shop = TableClient.CreateQueryFilter($"PartitionKey eq {shopId}");
        if (productIds.Count <= MaxIdsByName)
        {
            var names = string.Join(" or ", productIds.Order(StringComparer.Ordinal).Select(id => TableClient.CreateQueryFilter($"RowKey eq {id}")));
            return $"{shop} and ({names})";
        }

        var first = productIds.Min(StringComparer.Ordinal)!;
        var last = productIds.Max(StringComparer.Ordinal)!;
        return $"{shop} and {TableClient.CreateQueryFilter($"RowKey ge {first} and RowKey le {last}")}";
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.ProductsTable, cancellationToken);
}
