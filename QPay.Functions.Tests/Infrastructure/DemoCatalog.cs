using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Payments.Catalog;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>
/// The demo catalogue and coupons that scripts/dev.sh loads (scripts/demo-catalog/*.json): the
/// products and coupons of <see cref="Carts"/> and of the seed card. Loaded into the shared Azurite
/// once per test process, through the app's own catalogue service.
/// </summary>
internal static class DemoCatalog
{
    public static string ProductsFile { get; } = TestPaths.InRepository("scripts", "demo-catalog", "products.json");

    public static string CouponsFile { get; } = TestPaths.InRepository("scripts", "demo-catalog", "coupons.json");

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _loaded;

    public static async Task EnsureLoadedAsync(IServiceProvider services)
    {
        await Gate.WaitAsync();
        try
        {
            if (_loaded)
            {
                return;
            }

            var admin = services.GetRequiredService<CatalogAdmin>();
            var products = JsonSerializer.Deserialize(await File.ReadAllTextAsync(ProductsFile), CatalogJsonContext.Default.ProductsRequest)!;
            var coupons = JsonSerializer.Deserialize(await File.ReadAllTextAsync(CouponsFile), CatalogJsonContext.Default.CouponsRequest)!;
            var written = await admin.UpsertProductsAsync(products, CancellationToken.None);
            Assert.Null(written.Problem);
            written = await admin.UpsertCouponsAsync(coupons, CancellationToken.None);
            Assert.Null(written.Problem);
            _loaded = true;
        }
        finally
        {
            Gate.Release();
        }
    }
}
