using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Pricing;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Seeding;
using QPay.Functions.Security;

namespace QPay.Functions.Functions;

/// <summary>
/// POST /payments/qpay/seed-session (a user's JWT) and its internal twin (function key +
/// <c>x-internal-request: true</c>, user id in <c>sessionData</c>): a QPay invoice for a cart.
/// </summary>
public sealed class SeedSessionFunctions(
    SeedSessionService sessions,
    IUserAuthenticator authenticator,
    IUserRateLimiter rateLimiter,
    IOptions<EbarimtOptions> ebarimt)
{
    [Function(nameof(SeedSession))]
    public async Task<IActionResult> SeedSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/qpay/seed-session")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var caller = await authenticator.AuthenticateAsync(request, cancellationToken);
        if (!caller.Succeeded)
        {
            return ApiError.Unauthorized(caller.Failure!);
        }

        var (body, error) = await JsonBody.ReadAsync(request, SeedingJsonContext.Default.SeedSessionRequest, cancellationToken);
        return error ?? await CreateAsync(request, caller.UserId!, body!, "public", life: null, fieldPrefix: null, cancellationToken);
    }

    [Function(nameof(InternalSeedSession))]
    public async Task<IActionResult> InternalSeedSession(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "order/api/internal/payments/qpay/seed-session")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return notInternal;
        }

        var (body, error) = await JsonBody.ReadAsync(request, SeedingJsonContext.Default.InternalSeedSessionRequest, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (body!.SessionData is not { } data)
        {
            return ApiError.BadRequest("sessionData is required: {userId, cart, sellers, totalAmount, shippingAddressId?, coupon?}.", "sessionData");
        }

        if (!Identifiers.IsValid(data.UserId))
        {
            return ApiError.BadRequest($"sessionData.userId is required and must be {Identifiers.Rule}.", "sessionData.userId");
        }

        if (data.TtlSec is { } ttl && (ttl != decimal.Truncate(ttl) || ttl < PaymentOptions.MinSessionLifeSeconds || ttl > PaymentOptions.MaxSessionLifeSeconds))
        {
            return ApiError.BadRequest(
                $"sessionData.ttlSec must be a whole number of seconds from {PaymentOptions.MinSessionLifeSeconds} to {PaymentOptions.MaxSessionLifeSeconds}.", "sessionData.ttlSec");
        }

        var life = data.TtlSec is { } seconds ? TimeSpan.FromSeconds((double)seconds) : (TimeSpan?)null;
        return await CreateAsync(request, data.UserId!, data.ToRequest(), "internal", life, fieldPrefix: "sessionData.", cancellationToken);
    }

    private async Task<IActionResult> CreateAsync(
        HttpRequest request, string userId, SeedSessionRequest body, string origin, TimeSpan? life, string? fieldPrefix, CancellationToken cancellationToken)
    {
        if (CheckoutValidator.Validate(body, out var checkout) is { } problem)
        {
            return ApiError.BadRequest(fieldPrefix + problem.Message, fieldPrefix + problem.Field);
        }

        var (receiver, receiverProblem) = EbarimtReceivers.Validate(body.Ebarimt, ebarimt.Value, fieldPrefix ?? string.Empty);
        if (receiverProblem is not null)
        {
            return ApiError.BadRequest(receiverProblem.Message, receiverProblem.Field);
        }

        // Every session costs a QPay invoice (and later a few checks): QPay blocks abusive merchants.
        var decision = await rateLimiter.AcquireAsync(UserRateLimit.Seed, userId, cancellationToken);
        if (!decision.Allowed)
        {
            return ApiError.TooManyRequests(request, decision, "new payment sessions");
        }

        var result = await sessions.CreateAsync(userId, checkout!, origin, life, receiver, cancellationToken);
        if (result.Refused is { } refused)
        {
            return PricingRejection.Result(refused, fieldPrefix);
        }

        if (!result.Succeeded)
        {
            var code = result.QPayError?.ErrorCode ?? "QPAY_ERROR";
            return ApiError.Result(
                StatusCodes.Status502BadGateway,
                "QPAY_INVOICE_FAILED",
                $"QPay could not create the invoice ({code}); the session was marked failed, start a new one.");
        }

        var invoice = result.Invoice!;
        var session = result.Session!;
        return new OkObjectResult(new SeedSessionResponse(
            true,
            session.SessionId,
            (int)(session.ExpiresAt - session.CreatedAt).TotalSeconds,
            session.ExpiresAt,
            new SeedSessionInvoice(
                invoice.InvoiceId,
                invoice.QrText,
                invoice.QrImage,
                invoice.ShortUrl,
                invoice.Deeplinks.Select(d => new SeedSessionDeeplink(d.Name, d.Description, d.Logo, d.Link)).ToList())));
    }

    /// <param name="TtlSec">The session's life in seconds: it expires at <paramref name="ExpiresAt"/>.</param>
    public sealed record SeedSessionResponse(bool Success, string SessionId, int TtlSec, DateTimeOffset ExpiresAt, SeedSessionInvoice Invoice);

    public sealed record SeedSessionInvoice(string InvoiceId, string QrText, string QrImage, string? ShortUrl, IReadOnlyList<SeedSessionDeeplink> Deeplinks);

    public sealed record SeedSessionDeeplink(string Name, string? Description, string? Logo, string Link);
}
