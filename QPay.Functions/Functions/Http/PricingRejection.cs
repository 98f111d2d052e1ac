using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using QPay.Functions.Payments.Pricing;

namespace QPay.Functions.Functions.Http;

/// <summary>
/// The answer to a cart the server would not price as sent: the <see cref="ApiError"/> fields, plus
/// every line concerned (with the current price, so a frontend can refresh its cart), and for a
/// coupon the reason code or the discount the server computes.
/// </summary>
public sealed record PricingRejection(
    string Error,
    string Message,
    string Field,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<PricingRejection.Line>? Lines,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? DiscountAmount)
{
    public sealed record Line(
        string Field,
        string ProductId,
        string ShopId,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? SentPrice,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? CurrentPrice,
        string Message);

    /// <param name="fieldPrefix">Prepended to every field and message (<c>sessionData.</c> on the internal route).</param>
    public static IActionResult Result(PricingProblem problem, string? fieldPrefix)
    {
        var (status, code) = problem.Error switch
        {
            PricingError.ProductUnavailable => (StatusCodes.Status400BadRequest, "PRODUCT_UNAVAILABLE"),
            PricingError.PriceChanged => (StatusCodes.Status409Conflict, "PRICE_CHANGED"),
            PricingError.CouponInvalid => (StatusCodes.Status422UnprocessableEntity, "COUPON_INVALID"),
            _ => (StatusCodes.Status409Conflict, "COUPON_CHANGED"),
        };
        var lines = problem.Lines?.Select(l => new Line(fieldPrefix + l.Field, l.ProductId, l.ShopId, l.SentPrice, l.CurrentPrice, fieldPrefix + l.Message)).ToList();
        var body = new PricingRejection(code, fieldPrefix + problem.Message, fieldPrefix + problem.Field, lines, problem.CouponReason, problem.DiscountAmount);
        return new ObjectResult(body) { StatusCode = status };
    }
}
