using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Verification;
using QPay.Functions.Security;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Webhooks;

/// <summary>
/// The webhook pipeline (design §4), in this order: token (constant time) → session (Redis, else
/// Table) → the session's own invoice → <see cref="InvoiceClaimer"/> (lock per invoice, claim read
/// under it, <c>payment/check</c>, claim, order message, session PAID). A POST naming an invoice of
/// this session that is claimed already is answered before the session is read. The payload is a
/// hint only: "paid" comes from QPay, for the invoice the session names.
/// </summary>
public sealed class WebhookProcessor(
    IWebhookTokens tokens,
    IProcessedInvoiceStore claims,
    SessionReader sessions,
    InvoiceClaimer claimer,
    IOptions<PaymentOptions> options,
    PaymentMetrics metrics,
    IPaymentAudit audit,
    ILogger<WebhookProcessor> logger)
{
    /// <summary>The reason code (answer and metric tag) of a webhook that processed the payment.</summary>
    public const string ProcessedReason = "PROCESSED";

    /// <summary>
    /// One webhook call, recorded (<c>qpay.webhook.*</c>) by source and reason; one that throws is
    /// recorded as VERIFICATION_FAILED, which is what the function answers for it. A call for a
    /// well-formed session id whose token held goes into the session's audit trail too.
    /// </summary>
    public async Task<WebhookOutcome> HandleAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var reason = WebhookReason.VerificationFailed.ToApi();
        string? invoiceId = null;
        try
        {
            var outcome = await DecideAsync(request, cancellationToken).ConfigureAwait(false);
            reason = outcome.Reason?.ToApi() ?? ProcessedReason;
            invoiceId = outcome.InvoiceId;
            return outcome;
        }
        finally
        {
            var source = request.TokenRequired ? PaymentMetrics.Sources.Public : PaymentMetrics.Sources.Internal;
            metrics.WebhookHandled(source, reason, Stopwatch.GetElapsedTime(started));
            if (reason != WebhookReason.InvalidToken.ToApi() && Identifiers.IsValid(request.SessionId))
            {
                // Not for a bad token: a caller without one must not write into anyone's trail.
                audit.Record(request.SessionId!, PaymentEvents.Callback(source, reason, invoiceId, request.PaymentIdHint));
            }
        }
    }

    private async Task<WebhookOutcome> DecideAsync(WebhookRequest request, CancellationToken cancellationToken)
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
            return Answer(await claimer.FollowAsync(earlyClaim).ConfigureAwait(false), sessionId!, hint);
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
        var outcome = Answer(await claimer.VerifyAndClaimAsync(session).ConfigureAwait(false), sessionId!, invoiceId);
        if (outcome.Reason is WebhookReason.NotPaid or WebhookReason.InProgress)
        {
            Log.WebhookRejected(logger, sessionId!, outcome.Reason.Value.ToApi());
        }

        return outcome;
    }

    private static WebhookOutcome Answer(ClaimOutcome claim, string sessionId, string invoiceId) => claim.Result switch
    {
        ClaimResult.Claimed => new WebhookOutcome(true, null, sessionId, invoiceId, claim.OrderIds),
        ClaimResult.AlreadyClaimed => WebhookOutcome.Rejected(WebhookReason.Duplicate, sessionId, invoiceId, claim.OrderIds),
        ClaimResult.InProgress => WebhookOutcome.Rejected(WebhookReason.InProgress, sessionId, invoiceId),
        ClaimResult.HeldForRefund => WebhookOutcome.Rejected(WebhookReason.RefundPending, sessionId, invoiceId),
        ClaimResult.NotPaid => WebhookOutcome.Rejected(WebhookReason.NotPaid, sessionId, invoiceId),
        ClaimResult.AmountMismatch => WebhookOutcome.Rejected(WebhookReason.AmountMismatch, sessionId, invoiceId),
        _ => WebhookOutcome.Rejected(WebhookReason.VerificationFailed, sessionId, invoiceId),
    };

    private void Step(string step, string sessionId, string? invoiceId)
    {
        if (options.Value.WebhookDebug)
        {
            Log.WebhookStep(logger, step, sessionId, invoiceId ?? "-");
        }
    }

    private static string Safe(string? sessionId) => Identifiers.IsValid(sessionId) ? sessionId! : "(invalid)";
}
