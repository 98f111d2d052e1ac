using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using QPay.Functions.CheckoutWidget;
using QPay.Functions.Functions.Http;

namespace QPay.Functions.Functions;

/// <summary>
/// The checkout page (anonymous: its API calls carry the user's token): GET /checkout/?sessionId=,
/// its files GET /checkout/{file} (widget.js, checkout.js, checkout.css; any other name is 404), and the
/// local demo GET /checkout/demo (404 unless CHECKOUT_DEMO_ENABLED).
/// </summary>
public sealed class CheckoutFunctions(DemoCheckout demo, IOptions<CheckoutOptions> options)
{
    // The page loads only its own scripts and styles; the QR is a data: image, bank logos come from QPay.
    private const string PagePolicy =
        "default-src 'self'; img-src 'self' data: https:; connect-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

    [Function(nameof(CheckoutPage))]
    public IActionResult CheckoutPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "checkout")] HttpRequest request) =>
        Serve(request, CheckoutAssets.Find(CheckoutAssets.Page)!);

    [Function(nameof(CheckoutFile))]
    public IActionResult CheckoutFile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "checkout/{file}")] HttpRequest request, string file) =>
        CheckoutAssets.Find(file) is { } asset
            ? Serve(request, asset)
            : ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", "No such checkout file.");

    [Function(nameof(CheckoutDemo))]
    public async Task<IActionResult> CheckoutDemo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "checkout/demo")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!options.Value.DemoEnabled)
        {
            return ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", "The checkout demo is off (CHECKOUT_DEMO_ENABLED).");
        }

        var payment = await demo.StartAsync(cancellationToken);
        if (payment.SessionId is null)
        {
            return ApiError.Result(StatusCodes.Status503ServiceUnavailable, "DEMO_UNAVAILABLE", payment.Problem!);
        }

        request.HttpContext.Response.Cookies.Append(CallerIdentity.CookieName, payment.Token!, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            MaxAge = DemoCheckout.TokenLifetime,
        });
        var lang = request.Query["lang"] == "en" ? "&lang=en" : string.Empty;
        return new RedirectResult($"/checkout/?sessionId={Uri.EscapeDataString(payment.SessionId)}{lang}&restart=%2Fcheckout%2Fdemo{lang}", permanent: false);
    }

    private static IActionResult Serve(HttpRequest request, CheckoutAsset asset)
    {
        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = asset.CacheControl;
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        if (asset.Name == CheckoutAssets.Page)
        {
            headers.ContentSecurityPolicy = PagePolicy;
            headers["Referrer-Policy"] = "no-referrer";
        }

        if (request.Headers.IfNoneMatch == asset.ETag)
        {
            return new StatusCodeResult(StatusCodes.Status304NotModified);
        }

        return new FileContentResult(asset.Content, asset.ContentType);
    }
}
