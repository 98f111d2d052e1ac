using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Seeding;

// The request bodies of the seed-session routes (design §3), as sent. Numbers are read as
// decimals and checked by CheckoutValidator, so that "2.5 items" gets a message naming the
// field rather than a parser error. Unknown fields (a userId in the public body) are ignored.

public sealed class SeedSessionRequest
{
    [JsonPropertyName("cart")] public List<CartLineInput?>? Cart { get; set; }
    [JsonPropertyName("sellers")] public List<SellerInput?>? Sellers { get; set; }
    [JsonPropertyName("totalAmount")] public decimal? TotalAmount { get; set; }
    [JsonPropertyName("shippingAddressId")] public string? ShippingAddressId { get; set; }
    [JsonPropertyName("coupon")] public CouponInput? Coupon { get; set; }

    /// <summary>Who the e-receipt is for; the settings' default when absent.</summary>
    [JsonPropertyName("ebarimt")] public Receipts.EbarimtInput? Ebarimt { get; set; }
}

/// <summary>The internal route wraps the same fields, plus the user id, in <c>sessionData</c>.</summary>
public sealed class InternalSeedSessionRequest
{
    [JsonPropertyName("sessionData")] public InternalSessionData? SessionData { get; set; }
}

public sealed class InternalSessionData
{
    [JsonPropertyName("userId")] public string? UserId { get; set; }

    /// <summary>The seed system's life of this one session, in seconds (PAYMENT_SESSION_EXPIRY_SEC when absent).</summary>
    [JsonPropertyName("ttlSec")] public decimal? TtlSec { get; set; }
    [JsonPropertyName("cart")] public List<CartLineInput?>? Cart { get; set; }
    [JsonPropertyName("sellers")] public List<SellerInput?>? Sellers { get; set; }
    [JsonPropertyName("totalAmount")] public decimal? TotalAmount { get; set; }
    [JsonPropertyName("shippingAddressId")] public string? ShippingAddressId { get; set; }
    [JsonPropertyName("coupon")] public CouponInput? Coupon { get; set; }
    [JsonPropertyName("ebarimt")] public Receipts.EbarimtInput? Ebarimt { get; set; }

    public SeedSessionRequest ToRequest() => new()
    {
        Cart = Cart,
        Sellers = Sellers,
        TotalAmount = TotalAmount,
        ShippingAddressId = ShippingAddressId,
        Coupon = Coupon,
        Ebarimt = Ebarimt,
    };
}

public sealed class CartLineInput
{
    [JsonPropertyName("productId")] public string? ProductId { get; set; }
    [JsonPropertyName("quantity")] public decimal? Quantity { get; set; }
    [JsonPropertyName("sale_price")] public decimal? SalePrice { get; set; }
    [JsonPropertyName("shopId")] public string? ShopId { get; set; }
    [JsonPropertyName("title")] public string? Title { get; set; }

    /// <summary>The buyer's choices (size, colour): an object or an array, kept for the seller as sent.</summary>
    [JsonPropertyName("selectedOptions")] public JsonElement? SelectedOptions { get; set; }
}

/// <summary>A seller as the seed's clients send it: a shopId string, or <c>{shopId, sellerId}</c>.</summary>
[JsonConverter(typeof(SellerInputConverter))]
public sealed class SellerInput
{
    public string? ShopId { get; set; }
    public string? SellerId { get; set; }
}

/// <summary>Reads a seller written as a string or as an object; anything else is a JSON error naming the entry.</summary>
internal sealed class SellerInputConverter : JsonConverter<SellerInput>
{
    public override SellerInput? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new SellerInput { ShopId = reader.GetString() };
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A seller is a shopId string or an object {shopId, sellerId}.");
        }

        var seller = new SellerInput();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "shopId":
                    seller.ShopId = ReadString(ref reader);
                    break;
                case "sellerId":
                    seller.SellerId = ReadString(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return seller;
    }

    public override void Write(Utf8JsonWriter writer, SellerInput value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("shopId", value.ShopId);
        writer.WriteString("sellerId", value.SellerId);
        writer.WriteEndObject();
    }

    private static string? ReadString(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException("shopId and sellerId are strings."),
    };
}

public sealed class CouponInput
{
    [JsonPropertyName("code")] public string? Code { get; set; }
    [JsonPropertyName("discountAmount")] public decimal? DiscountAmount { get; set; }
}
