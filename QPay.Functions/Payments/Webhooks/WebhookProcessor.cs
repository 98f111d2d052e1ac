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
/// The webhook pipeline (design §4), in this order: token (constant time) → the session's Redis
/// copy and its check lock (one script; a miss: the session with its claim from Table Storage) →
/// the session's own invoice → <see cref="InvoiceClaimer"/> (the session with its claim under the
/// lock, <c>payment/check</c>, the claim and the session PAID in one transaction, the order
/// message). The payload is a hint only: "paid" comes from QPay, for the invoice the session names.
/// </summary>
public sealed class WebhookProcessor(
    IWebhookTokens tokens,
    IProcessedInvoiceStore claims,
    InvoiceCheckLock checkLock,
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
        var hint = Identifiers.IsValid(request.InvoiceIdHint) ? request.InvoiceIdHint : null;
        Step("token verified", sessionId!, hint);
        // The session's Redis copy and the check lock in one round trip. Under the lock, a duplicate
        // finds the claim in the session's partition; while another caller holds it, it is in progress.
        var (cached, held) = await checkLock.ReadSessionAndAcquireAsync(sessionId!).ConfigureAwait(false);
        await using var release = held; // released by the claimer with the session's new copy, else here
        if (held is null)
        {
            Step("another caller is checking this invoice", sessionId!, cached?.InvoiceId ?? hint);
            Log.WebhookRejected(logger, sessionId!, WebhookReason.InProgress.ToApi());
            return WebhookOutcome.Rejected(WebhookReason.InProgress, sessionId, cached?.InvoiceId ?? hint);
        }

        var session = cached;
        SessionWithClaim? stored = null;
        if (session is null)
        {
            stored = await claims.ReadWithSessionAsync(sessionId!, cancellationToken).ConfigureAwait(false);
            session = stored?.Session;
            if (session is not null)
            {
                Log.SessionLoadedFromDatabase(logger, sessionId!);
            }
        }

        if (session is null)
        {
            Log.WebhookRejected(logger, sessionId!, "SESSION_MISSING");
            return WebhookOutcome.Rejected(WebhookReason.SessionMissing, sessionId);
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
        var outcome = Answer(await claimer.VerifyAndClaimAsync(session, held, stored).ConfigureAwait(false), sessionId!, invoiceId);
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
