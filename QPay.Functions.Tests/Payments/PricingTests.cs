using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// Seed-session prices every line from the catalogue and computes the coupon (real Azurite, Redis
/// and sandbox). Each test uses shops, products and coupons of its own, so tests run side by side.
/// </summary>
public sealed class PricingTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private PaymentsHarness Harness => fixture.Harness;

    [Fact]
    public async Task The_buyer_who_sets_his_own_price_is_refused_and_nothing_is_created()
    {
        // The attack of the issue: a 649,999.95 USD cart with a coupon of 649,999.94 made a 34 MNT invoice.
        var shop = await Harness.ShopAsync(("p-gold", 99_999.99m, true), ("p-silver", 50_000.01m, true));
        object[] cart = [Line("p-gold", 6, 99_999.99m, shop), Line("p-silver", 1, 50_000.01m, shop)]; // 649,999.95 USD
        var user = User();
        var before = Harness.Sandbox.State.Invoices.Count;

        var free = Code("FREE");
        await Harness.UpsertCouponsAsync(new { code = free, kind = "FIXED", value = 1m });
        var ownCoupon = await Harness.SeedAsync(user, Body(cart, 0.01m, (Code("NOSUCH"), 649_999.94m)));
        var realCouponOwnDiscount = await Harness.SeedAsync(user, Body(cart, 0.01m, (free, 649_999.94m)));
        var ownPrice = await Harness.SeedAsync(user, Body([Line("p-gold", 1, 0.01m, shop)], 0.01m));

        Assert.Equal((422, "COUPON_INVALID", "coupon.code"), Refusal(ownCoupon));
        Assert.Equal("NOT_FOUND", ownCoupon.Body.GetProperty("reason").GetString());
        Assert.Equal((409, "COUPON_CHANGED", "coupon.discountAmount"), Refusal(realCouponOwnDiscount));
        Assert.Equal(1m, realCouponOwnDiscount.Body.GetProperty("discountAmount").GetDecimal());
        Assert.Equal((409, "PRICE_CHANGED", "cart[0].sale_price"), Refusal(ownPrice));
        Assert.Equal(before, Harness.Sandbox.State.Invoices.Count);
        Assert.Empty(await Harness.SessionIdsOfAsync(user));
    }

    [Fact]
    public async Task A_price_of_one_cent_is_honoured_to_the_togrog()
    {
        var shop = await Harness.ShopAsync(("p-sticker", 0.01m, true));

        var answer = await Harness.SeedAsync(User(), Body([Line("p-sticker", 1, 0.01m, shop)], 0.01m));

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        var invoice = Harness.Sandbox.State.FindInvoice(answer.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!)!;
        Assert.Equal(34m, invoice.Amount); // 0.01 × 3400
    }

    [Fact]
    public async Task Changed_prices_are_409_listing_every_changed_line_with_its_current_price()
    {
        var shop = await Harness.ShopAsync(("p-a", 10m, true), ("p-b", 20m, true), ("p-c", 30m, true));

        var answer = await Harness.SeedAsync(User(), Body(
            [Line("p-a", 1, 10m, shop), Line("p-b", 2, 19m, shop), Line("p-c", 1, 31m, shop)], 10m + 38m + 31m));

        Assert.Equal((409, "PRICE_CHANGED", "cart[1].sale_price"), Refusal(answer));
        var lines = answer.Body.GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(["cart[1].sale_price", "cart[2].sale_price"], lines.Select(l => l.GetProperty("field").GetString()));
        Assert.Equal([20m, 30m], lines.Select(l => l.GetProperty("currentPrice").GetDecimal()));
        Assert.Equal([19m, 31m], lines.Select(l => l.GetProperty("sentPrice").GetDecimal()));
        Assert.Equal(["p-b", "p-c"], lines.Select(l => l.GetProperty("productId").GetString()));
    }

    [Fact]
    public async Task Unknown_inactive_and_other_shops_products_are_400_naming_the_line()
    {
        var shop = await Harness.ShopAsync(("p-on", 5m, true), ("p-off", 5m, false));
        var otherShop = await Harness.ShopAsync(("p-theirs", 5m, true));

        var unknown = await Harness.SeedAsync(User(), Body([Line("p-on", 1, 5m, shop), Line("p-nope", 1, 5m, shop)], 10m));
        var inactive = await Harness.SeedAsync(User(), Body([Line("p-off", 1, 5m, shop)], 5m));
        var wrongShop = await Harness.SeedAsync(User(), Body([Line("p-theirs", 1, 5m, shop)], 5m));
        var rightShop = await Harness.SeedAsync(User(), Body([Line("p-theirs", 1, 5m, otherShop)], 5m));

        Assert.Equal((400, "PRODUCT_UNAVAILABLE", "cart[1].productId"), Refusal(unknown));
        Assert.Equal((400, "PRODUCT_UNAVAILABLE", "cart[0].productId"), Refusal(inactive));
        Assert.Contains("no longer sold", inactive.Body.GetProperty("message").GetString());
        Assert.Equal((400, "PRODUCT_UNAVAILABLE", "cart[0].productId"), Refusal(wrongShop));
        Assert.Contains($"not a product of shop {shop}", wrongShop.Body.GetProperty("message").GetString());
        Assert.Equal(StatusCodes.Status200OK, rightShop.Status);
    }

    [Fact]
    public async Task The_internal_route_prices_the_same_and_names_fields_under_session_data()
    {
        var shop = await Harness.ShopAsync(("p-int", 12m, true));
        var body = new { sessionData = new { userId = User(), cart = new[] { Line("p-int", 1, 11m, shop) }, sellers = new[] { shop }, totalAmount = 11m } };

        var answer = await PaymentsHarness.InvokeAsync(
            Harness.Function<SeedSessionFunctions>().InternalSeedSession,
            HttpRequests.Json("POST", body, headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));

        Assert.Equal((409, "PRICE_CHANGED", "sessionData.cart[0].sale_price"), Refusal(answer));
        Assert.Equal("sessionData.cart[0].sale_price", answer.Body.GetProperty("lines")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Percent_and_fixed_coupons_are_computed_by_the_server()
    {
        var shop = await Harness.ShopAsync(("p-x", 33.33m, true));
        var percent = Code("PCT");
        var fixedOff = Code("FIX");
        await Harness.UpsertCouponsAsync(new { code = percent, kind = "PERCENT", value = 15m }, new { code = fixedOff, kind = "FIXED", value = 100m });

        // 3 × 33.33 = 99.99: 15 % is 14.9985, 15.00 to the cent (halves away from zero); FIXED 100 would leave nothing to pay.
        var withPercent = await Harness.SeedAsync(User(), Body([Line("p-x", 3, 33.33m, shop)], 84.99m, (percent.ToLowerInvariant(), 15m)));
        var withFixed = await Harness.SeedAsync(User(), Body([Line("p-x", 3, 33.33m, shop)], 0.01m, (fixedOff, 99.98m)));

        Assert.Equal(StatusCodes.Status200OK, withPercent.Status);
        var stored = await Harness.Get<ISessionStore>().GetAsync(withPercent.Body.GetProperty("sessionId").GetString()!, default);
        Assert.Equal(percent, stored!.Coupon!.Code); // codes are case-insensitive, kept upper case
        Assert.Equal(15m, stored.Coupon.DiscountAmount);
        Assert.Equal(84.99m, stored.TotalUsd);
        Assert.Equal(288_966m, stored.ExpectedMnt); // 84.99 × 3400
        Assert.Equal((422, "COUPON_INVALID", "coupon.code"), Refusal(withFixed));
        Assert.Equal("NOTHING_TO_PAY", withFixed.Body.GetProperty("reason").GetString());

        var fixedFits = await Harness.SeedAsync(User(), Body([Line("p-x", 4, 33.33m, shop)], 33.32m, (fixedOff, 100m)));
        Assert.Equal(StatusCodes.Status200OK, fixedFits.Status);
    }

    public static TheoryData<string, object, string> Refusals() => new()
    {
        { "inactive", new { kind = "FIXED", value = 1m, active = false }, "INACTIVE" },
        { "not yet valid", new { kind = "FIXED", value = 1m, validFrom = DateTimeOffset.UtcNow.AddDays(1) }, "NOT_YET_VALID" },
        { "expired", new { kind = "FIXED", value = 1m, validFrom = DateTimeOffset.UtcNow.AddDays(-2), validTo = DateTimeOffset.UtcNow.AddDays(-1) }, "EXPIRED" },
        { "below minimum", new { kind = "FIXED", value = 1m, minSubtotal = 100m }, "BELOW_MINIMUM" },
        { "another shop's", new { kind = "FIXED", value = 1m, shopId = "shop-not-in-cart" }, "NOT_APPLICABLE" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_coupon_that_cannot_be_used_is_422_coupon_invalid_saying_why(string why, object rule, string reason)
    {
        var shop = await Harness.ShopAsync(("p-y", 10m, true));
        var code = Code("R");
        var coupon = JsonSerializer.SerializeToNode(rule, JsonSerializerOptions.Web)!.AsObject();
        coupon["code"] = code;
        await Harness.UpsertCouponsAsync(coupon);

        var answer = await Harness.SeedAsync(User(), Body([Line("p-y", 2, 10m, shop)], 19m, (code, 1m)));

        Assert.Equal((422, "COUPON_INVALID", "coupon.code"), Refusal(answer));
        Assert.Equal(reason, answer.Body.GetProperty("reason").GetString());
        Assert.Contains(code, answer.Body.GetProperty("message").GetString());
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public async Task A_sellers_coupon_discounts_only_that_sellers_lines_and_orders_add_up_to_the_invoice()
    {
        var shopA = await Harness.ShopAsync(("p-s1", 40m, true));
        var shopB = await Harness.ShopAsync(("p-s2", 9.99m, true));
        var code = Code("SELLER");
        await Harness.UpsertCouponsAsync(new { code, kind = "PERCENT", value = 12.5m, shopId = shopA });
        var user = User();
        var body = new
        {
            cart = new object[]
            {
                new { productId = "p-s1", quantity = 1, sale_price = 40m, shopId = shopA, title = "Jacket", selectedOptions = new { size = "M", colour = "red" } },
                new { productId = "p-s2", quantity = 3, sale_price = 9.99m, shopId = shopB, selectedOptions = new[] { "gift-wrap" } },
            },
            sellers = new object[] { new { shopId = shopA, sellerId = "seller-42" }, shopB },
            totalAmount = 40m + 29.97m - 5m,
            coupon = new { code, discountAmount = 5m },
        };

        var seeded = await Harness.SeedAsync(user, body);
        Assert.Equal(StatusCodes.Status200OK, seeded.Status);
        var invoiceId = seeded.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!;
        var paymentId = await Harness.PayAsync(invoiceId);
        Assert.Null((await Harness.CallbackAsync(invoiceId, paymentId)).Reason);
        Assert.Equal(1, await Harness.ProcessOrderQueueAsync());

        var orders = (await Harness.Get<IOrderStore>().ListForUserAsync(user, default)).OrderBy(o => o.ShopId == shopA ? 0 : 1).ToList();
        Assert.Equal([5m, 0m], orders.Select(o => o.DiscountUsd));
        Assert.Equal(["seller-42", null], orders.Select(o => o.SellerId));
        Assert.Equal(220_898m, orders.Sum(o => o.TotalMnt)); // 64.97 × 3400
        Assert.Equal(Harness.Sandbox.State.FindInvoice(invoiceId)!.Amount, orders.Sum(o => o.TotalMnt));
        Assert.Equal([119_000m, 101_898m], orders.Select(o => o.TotalMnt)); // 35 × 3400 and 29.97 × 3400
        var jacket = orders[0].Items.Single();
        Assert.Equal("Jacket", jacket.Title);
        Assert.Equal("red", jacket.SelectedOptions!.Value.GetProperty("colour").GetString());
        Assert.Equal("gift-wrap", orders[1].Items.Single().SelectedOptions!.Value[0].GetString());
        Assert.Equal(shopB + " title", orders[1].Items.Single().Title); // no title sent: the catalogue's
    }

    [Fact]
    public async Task Pricing_asks_the_catalogue_once_per_shop_however_many_lines()
    {
        var products = Enumerable.Range(0, 20).Select(i => ($"p-{i:D2}", 1m + i, true)).ToArray();
        var shopA = await Harness.ShopAsync(products);
        var shopB = await Harness.ShopAsync(("p-one", 2m, true));
        var lines = products.Select(p => Line(p.Item1, 1, p.Item2, shopA)).Append(Line("p-one", 2, 2m, shopB)).ToArray();
        var counting = new CountingCatalog(Harness.Get<IProductCatalog>());
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IProductCatalog>(counting));

        var answer = await harness.SeedAsync(User(), Body(lines, products.Sum(p => p.Item2) + 4m));

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal(2, counting.Calls);
    }

    [Fact]
    public async Task The_products_table_finds_a_shops_products_by_name_and_by_range()
    {
        var products = Enumerable.Range(0, 30).Select(i => ($"q-{i:D2}", 1m, i % 7 != 0)).ToArray();
        var shop = await Harness.ShopAsync(products);
        var catalog = Harness.Get<IProductCatalog>();

        var few = await catalog.GetProductsAsync(shop, ["q-01", "q-07", "q-29", "q-99"], default);
        var many = await catalog.GetProductsAsync(shop, [.. Enumerable.Range(3, 20).Select(i => $"q-{i:D2}"), "q-99", "q-00"], default);

        Assert.Equal(["q-01", "q-07", "q-29"], few.Keys.Order());
        Assert.False(few["q-07"].Active);
        Assert.Equal(Enumerable.Range(3, 20).Select(i => $"q-{i:D2}").Append("q-00").Order(), many.Keys.Order());
    }

    // --- helpers ---

    private static string Code(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20].ToUpperInvariant();

    private static string User() => "user-price-" + Guid.NewGuid().ToString("N")[..10];

    private static object Line(string productId, int quantity, decimal price, string shopId) =>
        new { productId, quantity, sale_price = price, shopId };

    private static object Body(object[] lines, decimal total, (string Code, decimal Discount)? coupon = null)
    {
        var shops = lines.Select(l => (string)l.GetType().GetProperty("shopId")!.GetValue(l)!).Distinct().ToArray();
        return coupon is { } c
            ? new { cart = lines, sellers = shops, totalAmount = total, coupon = new { code = c.Code, discountAmount = c.Discount } }
            : new { cart = lines, sellers = shops, totalAmount = total };
    }

    private static (int, string?, string?) Refusal(Answer answer) =>
        (answer.Status, answer.Error, answer.Body.TryGetProperty("field", out var f) ? f.GetString() : null);

    private sealed class CountingCatalog(IProductCatalog inner) : IProductCatalog
    {
        private int _calls;

        public int Calls => _calls;

        public Task<IReadOnlyDictionary<string, Product>> GetProductsAsync(string shopId, IReadOnlyCollection<string> productIds, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return inner.GetProductsAsync(shopId, productIds, cancellationToken);
        }
    }
}
