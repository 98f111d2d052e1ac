using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.Security;

namespace QPay.Functions.Functions;

/// <summary>
/// The internal catalogue routes (function key + <c>x-internal-request: true</c>): the products
/// and coupons seed-session prices carts with. Writes are batches, validated whole before any of
/// it is written.
/// </summary>
public sealed class CatalogFunctions(CatalogAdmin catalog)
{
    private const string Products = "order/api/internal/catalog/products";
    private const string Coupons = "order/api/internal/catalog/coupons";

    [Function(nameof(PutProducts))]
    public async Task<IActionResult> PutProducts(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = Products)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (body, error) = await JsonBody.ReadAsync(request, CatalogJsonContext.Default.ProductsRequest, cancellationToken);
        return error ?? Written(await catalog.UpsertProductsAsync(body!, cancellationToken));
    }

    [Function(nameof(GetProduct))]
    public async Task<IActionResult> GetProduct(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Products + "/{shopId}/{productId}")] HttpRequest request,
        string shopId,
        string productId,
        CancellationToken cancellationToken)
    {
        if (await ProductKeyProblemAsync(request, shopId, productId, cancellationToken) is { } problem)
        {
            return problem;
        }

        return await catalog.GetProductAsync(shopId, productId, cancellationToken) is { } product
            ? new OkObjectResult(product)
            : NotFound("product");
    }

    [Function(nameof(DeleteProduct))]
    public async Task<IActionResult> DeleteProduct(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = Products + "/{shopId}/{productId}")] HttpRequest request,
        string shopId,
        string productId,
        CancellationToken cancellationToken)
    {
        if (await ProductKeyProblemAsync(request, shopId, productId, cancellationToken) is { } problem)
        {
            return problem;
        }

        return await catalog.DeleteProductAsync(shopId, productId, cancellationToken)
            ? new OkObjectResult(new DeleteResponse(true))
            : NotFound("product");
    }

    [Function(nameof(PutCoupons))]
    public async Task<IActionResult> PutCoupons(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = Coupons)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (body, error) = await JsonBody.ReadAsync(request, CatalogJsonContext.Default.CouponsRequest, cancellationToken);
        return error ?? Written(await catalog.UpsertCouponsAsync(body!, cancellationToken));
    }

    [Function(nameof(GetCoupon))]
    public async Task<IActionResult> GetCoupon(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Coupons + "/{code}")] HttpRequest request,
        string code,
        CancellationToken cancellationToken)
    {
        if (await CouponKeyProblemAsync(request, code, cancellationToken) is { } problem)
        {
            return problem;
        }

        return await catalog.GetCouponAsync(code, cancellationToken) is { } coupon
            ? new OkObjectResult(coupon)
            : NotFound("coupon");
    }

    [Function(nameof(DeleteCoupon))]
    public async Task<IActionResult> DeleteCoupon(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = Coupons + "/{code}")] HttpRequest request,
        string code,
        CancellationToken cancellationToken)
    {
        if (await CouponKeyProblemAsync(request, code, cancellationToken) is { } problem)
        {
            return problem;
        }

        return await catalog.DeleteCouponAsync(code, cancellationToken)
            ? new OkObjectResult(new DeleteResponse(true))
            : NotFound("coupon");
    }

    public sealed record WriteResponse(bool Ok, int Written);

    public sealed record DeleteResponse(bool Deleted);

    private static IActionResult Written(CatalogWrite write) =>
        write.Problem is { } problem
            ? ApiError.BadRequest(problem.Message, problem.Field)
            : new OkObjectResult(new WriteResponse(true, write.Written));

    private static async Task<IActionResult?> ProductKeyProblemAsync(HttpRequest request, string shopId, string productId, CancellationToken cancellationToken) =>
        await request.RefuseUnlessInternalAsync(cancellationToken)
        ?? (!Identifiers.IsValid(shopId) ? ApiError.BadRequest($"shopId must be {Identifiers.Rule}.", "shopId")
        : !Identifiers.IsValid(productId) ? ApiError.BadRequest($"productId must be {Identifiers.Rule}.", "productId")
        : null);

    private static async Task<IActionResult?> CouponKeyProblemAsync(HttpRequest request, string code, CancellationToken cancellationToken) =>
        await request.RefuseUnlessInternalAsync(cancellationToken)
        ?? (!Identifiers.IsValid(code) ? ApiError.BadRequest($"code must be {Identifiers.Rule}.", "code") : null);

    private static IActionResult NotFound(string what) =>
        ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", $"No such {what}.");
}
