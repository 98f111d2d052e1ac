using QPay.Functions.Payments.Seeding;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Tests.Payments;

public sealed class CheckoutValidatorTests
{
    public static TheoryData<string, string, string> InvalidBodies() => new()
    {
        { """{"sellers":["s1"],"totalAmount":1}""", "cart", "cart is required" },
        { """{"cart":[],"sellers":[],"totalAmount":1}""", "cart", "cart must not be empty" },
        { Cart(101), "cart", "at most 100" },
        { """{"cart":[null],"sellers":["s1"],"totalAmount":1}""", "cart[0]", "must be an object" },
        { """{"cart":[{"quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1}""", "cart[0].productId", "productId is required" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1}],"sellers":["s1"],"totalAmount":1}""", "cart[0].shopId", "shopId is required" },
        { """{"cart":[{"productId":"p1","quantity":0,"sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":0}""", "cart[0].quantity", "integer from 1 to 999" },
        { """{"cart":[{"productId":"p1","quantity":1000,"sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1000}""", "cart[0].quantity", "integer from 1 to 999" },
        { """{"cart":[{"productId":"p1","quantity":1.5,"sale_price":2,"shopId":"s1"}],"sellers":["s1"],"totalAmount":3}""", "cart[0].quantity", "integer from 1 to 999" },
        { """{"cart":[{"productId":"p1","sale_price":2,"shopId":"s1"}],"sellers":["s1"],"totalAmount":2}""", "cart[0].quantity", "integer from 1 to 999" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":0,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1}""", "cart[0].sale_price", "greater than 0" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":-5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1}""", "cart[0].sale_price", "greater than 0" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1.005,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1.005}""", "cart[0].sale_price", "at most 2 decimals" },
        { """{"cart":[{"productId":"<script>","quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s1"],"totalAmount":1}""", "cart[0].productId", "must be 1-128 characters" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1,"shopId":"s1"}],"totalAmount":1}""", "sellers", "sellers is required" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s2"],"totalAmount":1}""", "sellers", "exactly the shopIds of the cart (s1)" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s1","s2"],"totalAmount":1}""", "sellers", "exactly the shopIds" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":1,"shopId":"s1"}],"sellers":["s1","s1"],"totalAmount":1}""", "sellers", "each shop once" },
        { """{"cart":[{"productId":"p1","quantity":2,"sale_price":1.25,"shopId":"s1"}],"sellers":["s1"],"totalAmount":2.49}""", "totalAmount", "does not equal the cart sum minus coupon.discountAmount (2.50)" },
        { """{"cart":[{"productId":"p1","quantity":2,"sale_price":5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":10,"coupon":{"code":"C","discountAmount":1}}""", "totalAmount", "(9)" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":0,"coupon":{"code":"C","discountAmount":5}}""", "totalAmount", "greater than 0" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":-1,"coupon":{"code":"C","discountAmount":6}}""", "totalAmount", "greater than 0" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":["s1"]}""", "totalAmount", "totalAmount is required" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":5,"coupon":{"code":"C","discountAmount":-1}}""", "coupon.discountAmount", "at least 0" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":5,"shippingAddressId":"a b"}""", "shippingAddressId", "must be 1-128" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":["s1"],"totalAmount":4,"coupon":{"discountAmount":1}}""", "coupon.code", "coupon.code is required" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":[{"sellerId":"x"}],"totalAmount":5}""", "sellers[0]", "must name a shopId" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":[null],"totalAmount":5}""", "sellers[0]", "must be a shopId or an object" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":[{"shopId":"s1","sellerId":"a/b"}],"totalAmount":5}""", "sellers[0].sellerId", "must be 1-128" },
        { """{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1"}],"sellers":[{"shopId":"s2"}],"totalAmount":5}""", "sellers", "exactly the shopIds of the cart (s1)" },
        { TitleOf(201), "cart[0].title", "at most 200 characters" },
        { OptionsOf("\"red\""), "cart[0].selectedOptions", "an object or an array" },
        { OptionsOf("42"), "cart[0].selectedOptions", "an object or an array" },
        { OptionsOf($"{{\"note\":\"{new string('x', 1024)}\"}}"), "cart[0].selectedOptions", "at most 1024 bytes" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public void Invalid_checkout_is_rejected_naming_the_field(string json, string field, string message)
    {
        var problem = CheckoutValidator.Validate(Parse(json), out var checkout);

        Assert.Null(checkout);
        Assert.NotNull(problem);
        Assert.Equal(field, problem.Field);
        Assert.Contains(message, problem.Message);
        Assert.StartsWith(field.Split('.')[0].Split('[')[0], problem.Message);
    }

    [Fact]
    public void Valid_checkout_with_two_shops_and_a_coupon_is_accepted()
    {
        var problem = CheckoutValidator.Validate(Parse("""
            {"cart":[{"productId":"p1","quantity":2,"sale_price":10.25,"shopId":"shop-a"},
                     {"productId":"p2","quantity":1,"sale_price":5,"shopId":"shop-b"}],
             "sellers":["shop-b","shop-a"],"totalAmount":23.5,"coupon":{"code":"SAVE2","discountAmount":2},
             "shippingAddressId":"addr-1","userId":"ignored"}
            """), out var checkout);

        Assert.Null(problem);
        Assert.Equal(23.5m, checkout!.TotalUsd);
        Assert.Equal(2, checkout.Cart.Count);
        Assert.Equal(["shop-b", "shop-a"], checkout.Sellers);
        Assert.Equal(2m, checkout.Coupon!.DiscountAmount);
    }

    [Fact]
    public void Sellers_may_be_strings_or_objects_and_a_seller_id_is_kept_per_shop()
    {
        var problem = CheckoutValidator.Validate(Parse("""
            {"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"shop-a","title":"Mug","selectedOptions":{"size":"M"}},
                     {"productId":"p2","quantity":1,"sale_price":5,"shopId":"shop-b","selectedOptions":["gift"]}],
             "sellers":[{"shopId":"shop-a","sellerId":"seller-1","extra":true},"shop-b"],"totalAmount":10}
            """), out var checkout);

        Assert.Null(problem);
        Assert.Equal(["shop-a", "shop-b"], checkout!.Sellers);
        Assert.Equal(new Dictionary<string, string> { ["shop-a"] = "seller-1" }, checkout.SellerIds);
        Assert.Equal("Mug", checkout.Cart[0].Title);
        Assert.Equal("M", checkout.Cart[0].SelectedOptions!.Value.GetProperty("size").GetString());
        Assert.Equal("gift", checkout.Cart[1].SelectedOptions!.Value[0].GetString());
    }

    [Fact]
    public void A_seller_that_is_neither_a_string_nor_an_object_is_a_json_error_naming_the_entry()
    {
        var error = Assert.Throws<System.Text.Json.JsonException>(() => Parse("""{"cart":[],"sellers":[42],"totalAmount":1}"""));

        Assert.Equal("$.sellers[0]", error.Path);
    }

    [Theory]
    [InlineData("1", "3400", "3400")]
    [InlineData("12.34", "3400", "41956")]
    [InlineData("1", "3400.5", "3401")] // a half rounds away from zero
    [InlineData("1", "3400.49", "3400")]
    [InlineData("0.01", "3450", "35")] // 34.5 -> 35, not banker's 34
    [InlineData("0.03", "3450", "104")] // 103.5 -> 104
    public void Mnt_amount_is_rounded_to_whole_togrog_halves_away_from_zero(string usd, string rate, string mnt) =>
        Assert.Equal(decimal.Parse(mnt), MntAmount.FromUsd(decimal.Parse(usd), decimal.Parse(rate)));

    private static string TitleOf(int length) =>
        $$"""{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1","title":"{{new string('t', length)}}"}],"sellers":["s1"],"totalAmount":5}""";

    private static string OptionsOf(string json) =>
        $$"""{"cart":[{"productId":"p1","quantity":1,"sale_price":5,"shopId":"s1","selectedOptions":{{json}}}],"sellers":["s1"],"totalAmount":5}""";

    private static string Cart(int lines) =>
        $$"""{"cart":[{{string.Join(',', Enumerable.Range(0, lines).Select(i => $$"""{"productId":"p{{i}}","quantity":1,"sale_price":1,"shopId":"s1"}"""))}}],"sellers":["s1"],"totalAmount":{{lines}}}""";

    private static SeedSessionRequest Parse(string json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, SeedingJsonContext.Default.SeedSessionRequest)!;
}
