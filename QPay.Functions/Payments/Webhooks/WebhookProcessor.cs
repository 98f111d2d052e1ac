using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Security;

namespace QPay.Functions.Payments.Webhooks;

/// <summary>
/// The webhook pipeline (design §4), in this order: token (constant time) → session (Redis, else
/// Table) → the session's own invoice → a short lock per invoice → idempotency (ProcessedInvoices,
/// read once, under the lock; a POST's invoice hint is looked up before the session) →
/// <c>payment/check</c> → PAID total within 1 MNT → claim (insert; 409 = duplicate) →
/// order-creation message → session PAID → the (deterministic) order ids. The payload is a
/// hint only: "paid" comes from QPay, for the invoice the session names.
/// </summary>
public sealed class WebhookProcessor(
    IWebhookTokens tokens,
    IProcessedInvoiceStore claims,
    SessionReader sessions,
    ISessionStore sessionStore,
    ISessionCache sessionCache,
    InvoiceCheckLock checkLock,
    PaymentVerifier verifier,
    IOrderQueue orderQueue,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<WebhookProcessor> logger)
{
    public async Task<WebhookOutcome> HandleAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        var sessionId = request.SessionId;
        if (request.TokenRequired && (sessionId is null || !tokens.Verify(sessionId, request.Token)))
        {
            Log.WebhookRejected(logger, Safe(sessionId), "INVALID_TOKEN");
            return WebhookOutcome.Rejected(WebhookReason.InvalidToken, Safe(sessionId));
        }

        if (!Identifiers.IsValid(sessionId))
        {
            return WebhookOutcome.Rejected(WebhookReason.SessionMissing, null);
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SessionId"] = sessionId! });
        // Idempotency first, on the invoice the caller names (if it belongs to this session).
        var hint = Identifiers.IsValid(request.InvoiceIdHint) ? request.InvoiceIdHint : null;
        Step("token verified", sessionId!, hint);
        if (hint is not null && await claims.GetAsync(hint, cancellationToken).ConfigureAwait(false) is { } earlyClaim
            && earlyClaim.SessionId == sessionId)
        {
            return await DuplicateAsync(earlyClaim, cancellationToken).ConfigureAwait(false);
        }

        var (session, fromCache) = await sessions.GetAsync(sessionId!, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            Log.WebhookRejected(logger, sessionId!, "SESSION_MISSING");
            return WebhookOutcome.Rejected(WebhookReason.SessionMissing, sessionId);
        }

        if (!fromCache)
        {
            Log.SessionLoadedFromDatabase(logger, sessionId!);
        }

        if (session.InvoiceId is not { } invoiceId)
        {
            Log.WebhookRejected(logger, sessionId!, "SESSION_MISSING (no invoice)");
            return WebhookOutcome.Rejected(WebhookReason.SessionMissing, sessionId);
        }

        if (request.InvoiceIdHint is not null && request.InvoiceIdHint != invoiceId)
        {
            Log.WebhookRejected(logger, sessionId!, "INVOICE_MISMATCH");
            return WebhookOutcome.Rejected(WebhookReason.InvoiceMismatch, sessionId, invoiceId);
        }

        Step("session loaded", sessionId!, invoiceId);
        await using var held = await checkLock.TryAcquireAsync(invoiceId).ConfigureAwait(false);
        if (held is null)
        {
            Step("another callback is checking this invoice", sessionId!, invoiceId);
            return WebhookOutcome.Rejected(WebhookReason.Duplicate, sessionId, invoiceId, OrderIds.For(invoiceId, session.Sellers));
        }

        // The claim is read once, under the lock: a winner that finished before we took the lock has
        // its claim in the table by now, so we answer DUPLICATE instead of checking with QPay again.
        if (await claims.GetAsync(invoiceId, cancellationToken).ConfigureAwait(false) is { } claim)
        {
            return await DuplicateAsync(claim, cancellationToken).ConfigureAwait(false);
        }

        return await VerifyAndClaimAsync(session, invoiceId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks with QPay and, when paid, claims the invoice and queues its orders.</summary>
    public async Task<WebhookOutcome> VerifyAndClaimAsync(PaymentSession session, string invoiceId, CancellationToken cancellationToken)
    {
        var sessionId = session.SessionId;
        Step("checking payment with QPay", sessionId, invoiceId);
        var verification = await verifier.VerifyAsync(session, cancellationToken).ConfigureAwait(false);
        switch (verification.Status)
        {
            case VerificationStatus.Failed:
                Log.VerificationFailed(logger, sessionId, invoiceId, verification.FailureCode ?? "?");
                return WebhookOutcome.Rejected(WebhookReason.VerificationFailed, sessionId, invoiceId);
            case VerificationStatus.NotPaid:
                Log.WebhookRejected(logger, sessionId, "NOT_PAID");
                return WebhookOutcome.Rejected(WebhookReason.NotPaid, sessionId, invoiceId);
            case VerificationStatus.AmountMismatch:
                Log.AmountMismatch(logger, sessionId, invoiceId, verification.PaidMnt, session.ExpectedMnt);
                return WebhookOutcome.Rejected(WebhookReason.AmountMismatch, sessionId, invoiceId);
        }

        var orderIds = OrderIds.For(invoiceId, session.Sellers);
        var now = clock.GetUtcNow();
        var claimed = await claims.TryClaimAsync(
            new ProcessedInvoice
            {
                InvoiceId = invoiceId,
                SessionId = sessionId,
                ClaimId = Guid.NewGuid().ToString("N"),
                State = ClaimState.Verified,
                PaidMnt = verification.PaidMnt,
                PaymentIds = verification.PaymentIds,
                OrderIds = orderIds,
                VerifiedAt = now,
                EnqueuedAt = now,
            },
            cancellationToken).ConfigureAwait(false);
        if (!claimed)
        {
            Step("claim lost to another callback", sessionId, invoiceId);
            return WebhookOutcome.Rejected(WebhookReason.Duplicate, sessionId, invoiceId, orderIds);
        }

        // From here on the claim exists: finish even if the caller goes away (CancellationToken.None),
        // and never throw — a claim left Verified is queued again by a duplicate or the reconciler.
        // The two writes do not depend on each other, so they run side by side.
        Step("invoice claimed", sessionId, invoiceId);
        await Task.WhenAll(
            EnqueueAsync(sessionId, invoiceId),
            MarkPaidAsync(sessionId, invoiceId, verification.PaidMnt)).ConfigureAwait(false);

        Log.PaymentVerified(logger, sessionId, invoiceId, verification.PaidMnt, orderIds.Count);
        return new WebhookOutcome(true, null, sessionId, invoiceId, orderIds);
    }

    /// <summary>
    /// A claimed invoice. If its orders were never created and nothing was queued for a while
    /// (a crash between claim and queue, or a lost message), it is queued again: one caller wins
    /// the ETag race per period, so "DUPLICATE but no orders" cannot last.
    /// </summary>
    private async Task<WebhookOutcome> DuplicateAsync(ProcessedInvoice claim, CancellationToken cancellationToken)
    {
        Step("invoice already claimed", claim.SessionId, claim.InvoiceId);
        if (claim.State == ClaimState.Verified)
        {
            await RequeueIfStuckAsync(claim, cancellationToken).ConfigureAwait(false);
        }

        return WebhookOutcome.Rejected(WebhookReason.Duplicate, claim.SessionId, claim.InvoiceId, claim.OrderIds);
    }

    /// <summary>Queues a Verified claim again when it has waited longer than <see cref="PaymentOptions.StuckClaimAfter"/>.</summary>
    public async Task<bool> RequeueIfStuckAsync(ProcessedInvoice claim, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var threshold = options.Value.StuckClaimAfter;
        if (now - (claim.EnqueuedAt ?? claim.VerifiedAt) < threshold)
        {
            return false;
        }

        var won = await claims.TryUpdateAsync(
            claim.InvoiceId,
            c => c.State == ClaimState.Verified && now - (c.EnqueuedAt ?? c.VerifiedAt) >= threshold ? c with { EnqueuedAt = now } : null,
            cancellationToken).ConfigureAwait(false);
        if (won)
        {
            Log.StuckClaimRequeued(logger, claim.SessionId, claim.InvoiceId);
            await orderQueue.EnqueueAsync(new OrderCreationMessage(claim.SessionId, claim.InvoiceId), cancellationToken).ConfigureAwait(false);
        }

        return won;
    }

    private async Task EnqueueAsync(string sessionId, string invoiceId)
    {
        try
        {
            await orderQueue.EnqueueAsync(new OrderCreationMessage(sessionId, invoiceId), CancellationToken.None).ConfigureAwait(false);
            Step("order creation queued", sessionId, invoiceId);
        }
        catch (Exception exception)
        {
            // The claim is durable and stays Verified: a duplicate callback or the reconciler
            // queues it again once it counts as stuck. The payment is not lost.
            Log.EnqueueFailed(logger, exception, sessionId, invoiceId);
        }
    }

    private async Task MarkPaidAsync(string sessionId, string invoiceId, decimal paidMnt)
    {
        try
        {
            var paid = await sessionStore.UpdateAsync(
                sessionId,
                s => s with { Status = SessionStatus.Paid, PaidMnt = paidMnt },
                CancellationToken.None).ConfigureAwait(false);
            if (paid is not null)
            {
                await sessionCache.StoreAsync(paid).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            // Order creation sets the session PROCESSED (and PaidMnt) from the claim anyway.
            Log.MarkPaidFailed(logger, exception, sessionId, invoiceId);
        }
    }

    private void Step(string step, string sessionId, string? invoiceId)
    {
        if (options.Value.WebhookDebug)
        {
            Log.WebhookStep(logger, step, sessionId, invoiceId ?? "-");
        }
    }

    private static string Safe(string? sessionId) => Identifiers.IsValid(sessionId) ? sessionId! : "(invalid)";
}
