using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Pricing;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.QPayApi;
using QPay.Functions.Security;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Seeding;

/// <summary>
/// The outcome of seeding a session: the invoice to show, the server's refusal to price the cart
/// as sent (nothing was written, QPay was not called), or QPay's refusal of the invoice.
/// </summary>
public sealed record SeedSessionResult(PaymentSession? Session, QPayInvoice? Invoice, QPayApiException? QPayError, PricingProblem? Refused = null)
{
    public bool Succeeded => Invoice is not null;
}

/// <summary>
/// Creates a payment session and its QPay invoice (design §4): the cart is priced by the server
/// (<see cref="CheckoutPricer"/>: catalogue prices, the coupon's computed discount), the session is written to Table
/// Storage (with its entry in the reconciler's pending index, one transaction) first, then the invoice is created once (<c>sender_invoice_no</c> = session id,
/// callback URL carrying the webhook token), then the session gets its invoice id and goes to
/// Redis with its TTL, and it is counted among its user's open sessions (<see cref="OpenSessionCap"/>: over
/// MAX_OPEN_SESSIONS_PER_USER the user's oldest open ones expire). A QPay failure marks the session failed and is
/// answered, not retried.
/// </summary>
public sealed class SeedSessionService(
    CheckoutPricer pricer,
    ISessionStore store,
    ISessionCache cache,
    OpenSessionCap openSessions,
    IUserSessionIndex userSessions,
    IQPayClient qpay,
    IWebhookTokens webhookTokens,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    PaymentMetrics metrics,
    IPaymentAudit audit,
    ILogger<SeedSessionService> logger)
{
    public const string WebhookPath = "/payments/qpay/webhook";

    /// <param name="request">A well-formed cart (<see cref="CheckoutValidator"/>) with the buyer's prices.</param>
    /// <param name="life">How long the session waits for its payment; PAYMENT_SESSION_EXPIRY_SEC when null.</param>
    /// <param name="receiver">Who the e-receipts are for; null: the settings' default.</param>
    public async Task<SeedSessionResult> CreateAsync(string userId, Checkout request, string origin, TimeSpan? life, EbarimtReceiver? receiver, CancellationToken cancellationToken)
    {
        var pricing = await pricer.PriceAsync(userId, request, cancellationToken).ConfigureAwait(false);
        if (pricing.Problem is { } refused)
        {
            return new SeedSessionResult(null, null, null, refused);
        }

        var checkout = pricing.Priced!;
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var session = new PaymentSession
        {
            SessionId = Guid.NewGuid().ToString("N"),
            UserId = userId,
            Cart = checkout.Cart,
            Sellers = checkout.Sellers,
            SellerIds = checkout.SellerIds,
            TotalUsd = checkout.TotalUsd,
            Coupon = checkout.Coupon,
            ShippingAddressId = checkout.ShippingAddressId,
            Receiver = receiver,
            ExpectedMnt = MntAmount.FromUsd(checkout.TotalUsd, settings.UsdToMntRate),
            UsdToMntRate = settings.UsdToMntRate,
            Status = SessionStatus.Pending,
            Origin = origin,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now + (life ?? settings.SessionExpiry),
            Version = 1,
        };

        // Indexed with the session row (one transaction, before QPay is asked), so that no invoice can exist that the
        // reconciler does not know; then the admin list (it never fails the seed).
        var firstCheck = now + settings.ReconcileSchedule[0];
        var entry = new PendingSessionEntry(session.SessionId, now, firstCheck < session.ExpiresAt ? firstCheck : session.ExpiresAt);
        await store.CreateAsync(session, entry, cancellationToken).ConfigureAwait(false);
        await userSessions.TryAddAsync(session).ConfigureAwait(false);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SessionId"] = session.SessionId });

        QPayInvoice invoice;
        try
        {
            invoice = await qpay.CreateInvoiceAsync(
                new CreateInvoiceRequest(
                    SenderInvoiceNo: session.SessionId,
                    Description: $"Marketplace order {session.SessionId}",
                    Amount: session.ExpectedMnt,
                    CallbackUrl: CallbackUrl(session.SessionId)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (QPayApiException exception)
        {
            Log.InvoiceCreationFailed(logger, session.SessionId, exception.ErrorCode ?? "none", exception.IsAmbiguous);
            metrics.InvoiceFailed(exception.IsAmbiguous);
            var failed = await store.UpdateAsync(
                session.SessionId,
                s => s.Status == SessionStatus.Pending && s.InvoiceId is null ? s with { Status = SessionStatus.Failed, FailureCode = exception.ErrorCode ?? "QPAY_ERROR" } : null,
                CancellationToken.None).ConfigureAwait(false);
            audit.Record(session.SessionId, PaymentEvents.Seeded(null, session.ExpectedMnt, exception.ErrorCode ?? "QPAY_ERROR"));
            return new SeedSessionResult(failed ?? session, null, exception);
        }

        metrics.InvoiceCreated();
        var shown = ShownInvoice(session.SessionId, invoice);
        var stored = await store.UpdateAsync(session.SessionId, s => s with { InvoiceId = invoice.InvoiceId, Invoice = shown }, CancellationToken.None).ConfigureAwait(false)
            ?? session with { InvoiceId = invoice.InvoiceId, Invoice = shown };
        await cache.StoreAsync(stored).ConfigureAwait(false);
        Log.SessionSeeded(logger, stored.SessionId, invoice.InvoiceId, stored.ExpectedMnt, stored.Origin);
        audit.Record(stored.SessionId, PaymentEvents.Seeded(invoice.InvoiceId, stored.ExpectedMnt));
        // Counted among the user's open sessions only now that it has an invoice; over the cap, the oldest expire.
        await openSessions.EnforceAsync(stored).ConfigureAwait(false);
        return new SeedSessionResult(stored, invoice, null);
    }

    /// <summary>What the status route shows of the invoice later: as much as a session row can hold.</summary>
    private SessionInvoice? ShownInvoice(string sessionId, QPayInvoice invoice)
    {
        var (stored, leftOut, length) = SessionEntity.Fit(new SessionInvoice(
            invoice.QrText, invoice.QrImage, invoice.ShortUrl, invoice.Deeplinks.Select(d => new SessionDeeplink(d.Name, d.Description, d.Logo, d.Link)).ToList()));
        if (leftOut is not null)
        {
            Log.SessionInvoiceNotStored(logger, sessionId, leftOut, length);
        }

        return stored;
    }

    /// <summary><c>{QPAY_CALLBACK_PUBLIC_BASE_URL}/payments/qpay/webhook?sessionId=…&amp;token=…</c></summary>
    public Uri CallbackUrl(string sessionId) =>
        new($"{options.Value.CallbackPublicBaseUrl!.TrimEnd('/')}{WebhookPath}?sessionId={Uri.EscapeDataString(sessionId)}&token={webhookTokens.Create(sessionId)}");
}
