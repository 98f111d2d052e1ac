using System.Diagnostics;
using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Verification;
using QPay.Functions.Payments.Webhooks;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Operations;

/// <summary>What a "check now" came to.</summary>
public enum CheckNowResult
{
    /// <summary>The session was looked at (QPay asked when it was PENDING with an invoice); see the reason.</summary>
    Checked,

    /// <summary>No such session.</summary>
    NotFound,

    /// <summary>This session was checked within the window; nothing was done.</summary>
    RateLimited,
}

/// <param name="Reason">PROCESSED or the webhook's reason code (DUPLICATE, NOT_PAID…) when QPay was asked; NOT_PENDING or NO_INVOICE when it was not.</param>
/// <param name="Status">The session's stored status after the check.</param>
public sealed record CheckNowOutcome(
    CheckNowResult Result,
    string? Reason = null,
    SessionStatus? Status = null,
    string? InvoiceId = null,
    IReadOnlyList<string>? OrderIds = null,
    TimeSpan RetryAfter = default)
{
    public bool Processed => Reason == WebhookProcessor.ProcessedReason;
}

/// <summary>
/// The operator's "check now": one verification of a session through the path the webhook and the
/// reconciler take (<see cref="InvoiceClaimer.VerifyAndClaimAsync"/>: the per-invoice lock, the claim,
/// <c>payment/check</c>, the order message, PAID), at most once per session per window
/// (<see cref="CheckNowLimiter"/>), so that nobody can use it to poll QPay. A session that is not
/// PENDING, or has no invoice, is answered with its status and QPay is not asked. Each check that
/// passes the limit is recorded in the session's audit trail and counted (<c>qpay.webhook.*</c>, source admin).
/// </summary>
public sealed class SessionChecker(
    ISessionStore sessions,
    InvoiceClaimer claimer,
    CheckNowLimiter limiter,
    IPaymentAudit audit,
    PaymentMetrics metrics,
    ILogger<SessionChecker> logger)
{
    public const string NotPendingReason = "NOT_PENDING";
    public const string NoInvoiceReason = "NO_INVOICE";

    /// <remarks>No cancellation token past the limit: once QPay may be asked, the check runs to its end (as the webhook's).</remarks>
    public async Task<CheckNowOutcome> CheckAsync(string sessionId, CancellationToken cancellationToken)
    {
        // The table, not Redis: the status decides whether QPay is asked.
        if (await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false) is not { } session)
        {
            return new CheckNowOutcome(CheckNowResult.NotFound);
        }

        var decision = await limiter.AcquireAsync(sessionId).ConfigureAwait(false);
        if (!decision.Allowed)
        {
            metrics.RateLimited("check-now");
            return new CheckNowOutcome(CheckNowResult.RateLimited, Status: session.Status, InvoiceId: session.InvoiceId, RetryAfter: decision.RetryAfter);
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SessionId"] = sessionId });
        var started = Stopwatch.GetTimestamp();
        string reason;
        IReadOnlyList<string> orderIds = session.OrderIds;
        if (session.Status != SessionStatus.Pending)
        {
            reason = NotPendingReason;
        }
        else if (session.InvoiceId is null)
        {
            reason = NoInvoiceReason;
        }
        else
        {
            var claim = await claimer.VerifyAndClaimAsync(session).ConfigureAwait(false);
            reason = claim.Result == ClaimResult.Claimed ? WebhookProcessor.ProcessedReason : claim.Result.ToApi();
            session = await sessions.GetAsync(sessionId, CancellationToken.None).ConfigureAwait(false) ?? session;
            // The claim names the orders before the session does (they are being created).
            orderIds = claim.OrderIds.Count > 0 ? claim.OrderIds : session.OrderIds;
        }

        metrics.CheckedNow(reason, Stopwatch.GetElapsedTime(started));
        audit.Record(sessionId, new PaymentEvent(PaymentEventTypes.CheckNow, Source: PaymentMetrics.Sources.Admin, Reason: reason, InvoiceId: session.InvoiceId, Detail: session.Status.ToApi()));
        Log.CheckNowDone(logger, sessionId, session.InvoiceId ?? "-", reason, session.Status.ToApi());
        return new CheckNowOutcome(CheckNowResult.Checked, reason, session.Status, session.InvoiceId, orderIds);
    }
}
