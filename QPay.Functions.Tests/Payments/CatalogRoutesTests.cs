using System.Text.Json;
using Azure.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments;

/// <summary>The internal catalogue routes against Azurite: batches validated whole, then written per shop.</summary>
public sealed class CatalogRoutesTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    private PaymentsHarness Harness => fixture.Harness;

    private CatalogFunctions Functions => Harness.Function<CatalogFunctions>();

    [Fact]
    public async Task Products_are_put_read_and_deleted()
    {
        var (shopA, shopB) = (Shop(), Shop());
        var put = await PutProductsAsync(new
        {
            products = new object[]
            {
                new { shopId = shopA, productId = "p1", salePrice = 12.5m, title = "Mug" },
                new { shopId = shopA, productId = "p2", salePrice = 3m, active = false },
                new { shopId = shopB, productId = "p1", salePrice = 99.99m, active = true },
            },
        });

        Assert.Equal(StatusCodes.Status200OK, put.Status);
        Assert.Equal(3, put.Body.GetProperty("written").GetInt32());
        var read = await Invoke(r => Functions.GetProduct(r, shopA, "p1", default));
        Assert.Equal(StatusCodes.Status200OK, read.Status);
        Assert.Equal(12.5m, read.Body.GetProperty("salePrice").GetDecimal());
        Assert.True(read.Body.GetProperty("active").GetBoolean()); // active defaults to true
        Assert.Equal("Mug", read.Body.GetProperty("title").GetString());
        Assert.False((await Invoke(r => Functions.GetProduct(r, shopA, "p2", default))).Body.GetProperty("active").GetBoolean());
        Assert.Equal(99.99m, (await Invoke(r => Functions.GetProduct(r, shopB, "p1", default))).Body.GetProperty("salePrice").GetDecimal());

        Assert.Equal(StatusCodes.Status200OK, (await Invoke(r => Functions.DeleteProduct(r, shopA, "p1", default), "DELETE")).Status);
        Assert.Equal(StatusCodes.Status404NotFound, (await Invoke(r => Functions.GetProduct(r, shopA, "p1", default))).Status);
        Assert.Equal(StatusCodes.Status404NotFound, (await Invoke(r => Functions.DeleteProduct(r, shopA, "p1", default), "DELETE")).Status);
    }

    [Fact]
    public async Task A_product_delete_stored_whose_reply_was_lost_answers_deleted_not_missing()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        var functions = harness.Function<CatalogFunctions>();
        var shop = Shop();
        var body = JsonSerializer.Serialize(new { products = new[] { new { shopId = shop, productId = "p1", salePrice = 1m } } }, JsonSerializerOptions.Web);
        Assert.Equal(StatusCodes.Status200OK, (await Invoke(r => functions.PutProducts(r, default), "PUT", body)).Status);
        lost.LoseNext((m, _) => m.Request.Method == RequestMethod.Delete && m.Request.Uri.ToString().Contains(shop, StringComparison.Ordinal));

        var deleted = await Invoke(r => functions.DeleteProduct(r, shop, "p1", default), "DELETE");

        Assert.Equal(1, lost.Lost);
        Assert.Equal(StatusCodes.Status200OK, deleted.Status); // before: 404, the SDK's retry found its own delete done
        Assert.Equal(StatusCodes.Status404NotFound, (await Invoke(r => functions.GetProduct(r, shop, "p1", default))).Status);
    }

    [Fact]
    public async Task A_batch_with_one_bad_item_writes_nothing_and_names_the_item()
    {
        var shop = Shop();

        var answer = await PutProductsAsync(new
        {
            products = new object[]
            {
                new { shopId = shop, productId = "ok", salePrice = 1m },
                new { shopId = shop, productId = "bad", salePrice = 1.005m },
            },
        });

        Assert.Equal(StatusCodes.Status400BadRequest, answer.Status);
        Assert.Equal("products[1].salePrice", answer.Body.GetProperty("field").GetString());
        Assert.Equal(StatusCodes.Status404NotFound, (await Invoke(r => Functions.GetProduct(r, shop, "ok", default))).Status);
    }

    public static TheoryData<string, string> BadProducts() => new()
    {
        { """{"products":[]}""", "products" },
        { $$"""{"products":[{{string.Join(',', Enumerable.Range(0, 101).Select(i => $$"""{"shopId":"s","productId":"p{{i}}","salePrice":1}"""))}}]}""", "products" },
        { """{"products":[null]}""", "products[0]" },
        { """{"products":[{"productId":"p","salePrice":1}]}""", "products[0].shopId" },
        { """{"products":[{"shopId":"s/1","productId":"p","salePrice":1}]}""", "products[0].shopId" },
        { """{"products":[{"shopId":"s","salePrice":1}]}""", "products[0].productId" },
        { """{"products":[{"shopId":"s","productId":"p"}]}""", "products[0].salePrice" },
        { """{"products":[{"shopId":"s","productId":"p","salePrice":0}]}""", "products[0].salePrice" },
        { """{"products":[{"shopId":"s","productId":"p","salePrice":100000.01}]}""", "products[0].salePrice" },
        { """{"products":[{"shopId":"s","productId":"p","salePrice":"1"}]}""", "products[0].salePrice" },
        { """{"products":[{"shopId":"s","productId":"p","salePrice":1},{"shopId":"s","productId":"p","salePrice":2}]}""", "products[1].productId" },
        { $$"""{"products":[{"shopId":"s","productId":"p","salePrice":1,"title":"{{new string('t', 201)}}"}]}""", "products[0].title" },
    };

    [Theory]
    [MemberData(nameof(BadProducts))]
    public async Task Bad_product_batches_are_400_naming_the_field(string body, string field)
    {
        var answer = await Invoke(r => Functions.PutProducts(r, default), "PUT", body);

        Assert.Equal(StatusCodes.Status400BadRequest, answer.Status);
        Assert.Equal(field, answer.Body.GetProperty("field").GetString());
    }

    public static TheoryData<string, string> BadCoupons() => new()
    {
        { """{"coupons":[{"kind":"FIXED","value":1}]}""", "coupons[0].code" },
        { """{"coupons":[{"code":"C","kind":"BOGO","value":1}]}""", "coupons[0].kind" },
        { """{"coupons":[{"code":"C","kind":"PERCENT","value":101}]}""", "coupons[0].value" },
        { """{"coupons":[{"code":"C","kind":"FIXED","value":0}]}""", "coupons[0].value" },
        { """{"coupons":[{"code":"C","kind":"FIXED","value":1,"minSubtotal":-1}]}""", "coupons[0].minSubtotal" },
        { """{"coupons":[{"code":"C","kind":"FIXED","value":1,"shopId":"a b"}]}""", "coupons[0].shopId" },
        { """{"coupons":[{"code":"C","kind":"FIXED","value":1,"validFrom":"2026-02-01T00:00:00Z","validTo":"2026-01-01T00:00:00Z"}]}""", "coupons[0].validTo" },
        { """{"coupons":[{"code":"C","kind":"FIXED","value":1,"validTo":"tomorrow"}]}""", "coupons[0].validTo" },
        { """{"coupons":[{"code":"C","kind":"FIXED","value":1,"maxRedemptions":0}]}""", "coupons[0].maxRedemptions" },
        { """{"coupons":[{"code":"C","kind":"FIXED","value":1,"perUserLimit":0}]}""", "coupons[0].perUserLimit" },
        { """{"coupons":[{"code":"c","kind":"FIXED","value":1},{"code":"C","kind":"FIXED","value":2}]}""", "coupons[1].code" },
    };

    [Theory]
    [MemberData(nameof(BadCoupons))]
    public async Task Bad_coupon_batches_are_400_naming_the_field(string body, string field)
    {
        var answer = await Invoke(r => Functions.PutCoupons(r, default), "PUT", body);

        Assert.Equal(StatusCodes.Status400BadRequest, answer.Status);
        Assert.Equal(field, answer.Body.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Coupons_are_put_read_case_insensitively_and_deleted()
    {
        var code = ("Cpn-" + Guid.NewGuid().ToString("N"))[..16];
        var body = JsonSerializer.Serialize(new
        {
            coupons = new[] { new { code, kind = "percent", value = 10m, minSubtotal = 20m, shopId = "shop-a", maxRedemptions = 100, perUserLimit = 1, validTo = "2030-01-01T00:00:00Z" } },
        });

        var put = await Invoke(r => Functions.PutCoupons(r, default), "PUT", body);
        var read = await Invoke(r => Functions.GetCoupon(r, code.ToLowerInvariant(), default));

        Assert.Equal(StatusCodes.Status200OK, put.Status);
        Assert.Equal(StatusCodes.Status200OK, read.Status);
        Assert.Equal(code.ToUpperInvariant(), read.Body.GetProperty("code").GetString());
        Assert.Equal("PERCENT", read.Body.GetProperty("kind").GetString());
        Assert.Equal(20m, read.Body.GetProperty("minSubtotal").GetDecimal());
        Assert.Equal("shop-a", read.Body.GetProperty("shopId").GetString());
        Assert.Equal(0, read.Body.GetProperty("redemptions").GetInt32());
        Assert.Equal(StatusCodes.Status200OK, (await Invoke(r => Functions.DeleteCoupon(r, code, default), "DELETE")).Status);
        Assert.Equal(StatusCodes.Status404NotFound, (await Invoke(r => Functions.GetCoupon(r, code, default))).Status);
    }

    [Fact]
    public async Task Every_catalogue_route_needs_the_internal_header_and_safe_keys()
    {
        var outside = new Dictionary<string, string>();
        var routes = new Func<HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>>[]
        {
            r => Functions.PutProducts(r, default),
            r => Functions.GetProduct(r, "s", "p", default),
            r => Functions.DeleteProduct(r, "s", "p", default),
            r => Functions.PutCoupons(r, default),
            r => Functions.GetCoupon(r, "C", default),
            r => Functions.DeleteCoupon(r, "C", default),
        };

        foreach (var route in routes)
        {
            var answer = await PaymentsHarness.InvokeAsync((r, _) => route(r), HttpRequests.Raw("PUT", "{}", headers: outside));
            Assert.Equal(StatusCodes.Status403Forbidden, answer.Status);
        }

        Assert.Equal("productId", (await Invoke(r => Functions.GetProduct(r, "s", "p#1", default))).Body.GetProperty("field").GetString());
        Assert.Equal("code", (await Invoke(r => Functions.GetCoupon(r, "a/b", default))).Body.GetProperty("field").GetString());
    }

    private Task<Answer> PutProductsAsync(object body) =>
        Invoke(r => Functions.PutProducts(r, default), "PUT", JsonSerializer.Serialize(body, JsonSerializerOptions.Web));

    private static Task<Answer> Invoke(Func<HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>> function, string method = "GET", string? body = null) =>
        PaymentsHarness.InvokeAsync((r, _) => function(r), HttpRequests.Raw(method, body, headers: Internal));

    private static string Shop() => "shop-cat-" + Guid.NewGuid().ToString("N")[..10];
}
