using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Seeding;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Verification;
using QPay.Functions.QPayApi;

namespace QPay.Functions.Payments.Cancellation;

/// <summary>How a cancel request ended.</summary>
public enum CancelResult
{
    /// <summary>The invoice is cancelled at QPay and the session is CANCELLED (now, or by an earlier request).</summary>
    Cancelled,

    /// <summary>No such session for this user.</summary>
    NotFound,

    /// <summary>The session is paid (perhaps just now, found while cancelling): it takes the PAID path instead.</summary>
    AlreadyPaid,

    /// <summary>The session ended otherwise (expired, failed): there is nothing to cancel.</summary>
    NotCancellable,

    /// <summary>QPay refused or did not answer, and no payment was found: the session stays PENDING; try again.</summary>
    Failed,
}

public sealed record CancelOutcome(CancelResult Result, PaymentSession? Session, string? QPayErrorCode = null);

/// <summary>
/// Cancels a PENDING session for its owner: the QPay invoice is cancelled first (so it can no
/// longer be paid), then checked once for a payment that landed before the cancel; only then does
/// the session become CANCELLED. QPay answering that the invoice is paid, or any refusal it does not
/// explain, leads to a payment check (<see cref="InvoiceClaimer"/>), never to silence: a paid
/// session goes the PAID way and the caller is told so. The same lifecycle expires a session its
/// user's newer one pushed over MAX_OPEN_SESSIONS_PER_USER (<see cref="SupersedeAsync"/>): it ends
/// EXPIRED instead.
/// </summary>
public sealed class SessionCanceller(
    ISessionStore sessions,
    ISessionCache cache,
    IPendingSessionIndex index,
    InvoiceClaimer claimer,
    RefundStarter refunds,
    IQPayClient qpay,
    TimeProvider clock,
    IPaymentAudit audit,
    ILogger<SessionCanceller> logger) : ISessionSuperseder
{
    public async Task<CancelOutcome> CancelAsync(string sessionId, string userId, CancellationToken cancellationToken)
    {
        // Table, not the cache: whose session it is and where it stands decide what happens to money.
        var session = await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (session is null || !string.Equals(session.UserId, userId, StringComparison.Ordinal))
        {
            return new CancelOutcome(CancelResult.NotFound, null);
        }

        switch (session.Status)
        {
            case SessionStatus.Cancelled:
                return new CancelOutcome(CancelResult.Cancelled, session);
            case SessionStatus.Pending:
                break;
            default:
                return new CancelOutcome(session.Status.IsPaid() ? CancelResult.AlreadyPaid : CancelResult.NotCancellable, session);
        }

        return await CloseAsync(session, SessionStatus.Cancelled, supersededBy: null).ConfigureAwait(false);
    }

    /// <summary>
    /// Expires a PENDING session because its user's newer session <paramref name="supersededBy"/> is
    /// over the open-session cap: the invoice is cancelled at QPay and checked once, as a cancel does
    /// (a paid session goes the PAID way, a partly paid one gets its refund), then the session is
    /// EXPIRED (ExpiredAt now), as the reconciler's expiry leaves it.
    /// </summary>
    public async Task<SupersedeResult> SupersedeAsync(string sessionId, string supersededBy, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (session is not { Status: SessionStatus.Pending })
        {
            return session is not null && session.Status.IsPaid() ? SupersedeResult.Paid : SupersedeResult.NotPending;
        }

        var outcome = await CloseAsync(session, SessionStatus.Expired, supersededBy).ConfigureAwait(false);
        return outcome.Result switch
        {
            CancelResult.Cancelled => SupersedeResult.Expired,
            CancelResult.AlreadyPaid => SupersedeResult.Paid,
            CancelResult.Failed => SupersedeResult.Failed,
            _ => SupersedeResult.NotPending,
        };
    }

    /// <summary>
    /// The lifecycle shared by cancel and supersede, from a PENDING session: its invoice cancelled at
    /// QPay and checked once, a part payment's refund planned, then the session moved to
    /// <paramref name="closed"/> (CANCELLED, or EXPIRED when <paramref name="supersededBy"/> pushed it over the cap);
    /// <see cref="CancelResult.Cancelled"/> when it got there.
    /// </summary>
    private async Task<CancelOutcome> CloseAsync(PaymentSession session, SessionStatus closed, string? supersededBy)
    {
        var sessionId = session.SessionId;
        var partlyPaid = 0m;
        if (session.InvoiceId is not null)
        {
            var (stopped, check) = await CancelInvoiceAsync(session).ConfigureAwait(false);
            if (stopped is not null)
            {
                return stopped;
            }

            partlyPaid = check.Result == ClaimResult.AmountMismatch ? check.PaidMnt : 0m;
        }

        if (partlyPaid > 0m)
        {
            // Paid in part: the plan to give it back is written before the session is closed (the reconciler finishes it otherwise).
            await refunds.PlanWholeAsync(session with { PaidMnt = partlyPaid }, RefundReasons.Underpaid, null, RefundStarter.AutomaticSource, CancellationToken.None).ConfigureAwait(false);
        }

        var now = clock.GetUtcNow();
        var ended = await sessions.UpdateAsync(
            sessionId,
            s => s.Status == SessionStatus.Pending
                ? s with
                {
                    Status = closed,
                    CancelledAt = closed == SessionStatus.Cancelled ? now : s.CancelledAt,
                    ExpiredAt = closed == SessionStatus.Expired ? now : s.ExpiredAt,
                    PaidMnt = partlyPaid > 0m ? partlyPaid : s.PaidMnt,
                }
                : null,
            CancellationToken.None).ConfigureAwait(false) ?? session;
        if (ended.Status != closed)
        {
            if (partlyPaid > 0m)
            {
                await refunds.WithdrawUnderpaidAsync(sessionId, CancellationToken.None).ConfigureAwait(false);
            }

            // Paid while we cancelled (a callback claimed it between our check and this write).
            return new CancelOutcome(ended.Status.IsPaid() ? CancelResult.AlreadyPaid : CancelResult.NotCancellable, ended);
        }

        var paid = partlyPaid > 0m ? partlyPaid : (decimal?)null;
        audit.Record(sessionId, supersededBy is null
            ? PaymentEvents.Cancelled(session.InvoiceId, paid)
            : PaymentEvents.Expired(PaymentEvents.Sources.OpenSessionCap, PaymentEvents.ExpiredReasons.Superseded, session.InvoiceId, paid, supersededBy));
        await cache.StoreAsync(ended).ConfigureAwait(false);
        if (supersededBy is null)
        {
            Log.SessionCancelled(logger, sessionId, session.InvoiceId ?? "-");
        }
        else
        {
            Log.SessionSuperseded(logger, sessionId, session.InvoiceId ?? "-", supersededBy);
        }

        if (partlyPaid > 0m)
        {
            // The session stays in the reconciler's index (as its refund's entry) until the money is back.
            var (_, refunding) = await refunds.StartWholeAsync(ended, RefundReasons.Underpaid, null, RefundStarter.AutomaticSource, enqueue: true, CancellationToken.None).ConfigureAwait(false);
            return new CancelOutcome(CancelResult.Cancelled, refunding);
        }

        await index.RemoveAsync(sessionId, CancellationToken.None).ConfigureAwait(false);
        return new CancelOutcome(CancelResult.Cancelled, ended);
    }

    /// <summary>Cancels the invoice at QPay and checks it once; no outcome when the session may be closed (CANCELLED or EXPIRED).</summary>
    private async Task<(CancelOutcome? Stopped, ClaimOutcome Check)> CancelInvoiceAsync(PaymentSession session)
    {
        string? refusal = null;
        try
        {
            // Not the caller's token: once QPay is asked, the cancel and the check run to their end.
            await qpay.CancelInvoiceAsync(session.InvoiceId!, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QPayApiException exception) when (exception.IsInvoiceGone)
        {
            // Nothing is payable any more.
        }
        catch (QPayApiException exception)
        {
            // INVOICE_PAID, or a refusal we cannot explain: the payment check below decides.
            refusal = exception.ErrorCode ?? "QPAY_ERROR";
        }

        // A payment that landed before the cancel is found here (QPay sends its callback too).
        var check = await claimer.VerifyAndClaimAsync(session).ConfigureAwait(false);
        if (check.IsClaimed)
        {
            var paid = await sessions.GetAsync(session.SessionId, CancellationToken.None).ConfigureAwait(false) ?? session;
            return (new CancelOutcome(CancelResult.AlreadyPaid, paid), check);
        }

        // Paid in part, QPay keeps the invoice open (INVOICE_PAID): it is cancelled here all the same and its payments go back.
        var partlyPaid = refusal == "INVOICE_PAID" && check.Result == ClaimResult.AmountMismatch;
        if ((refusal is not null && !partlyPaid) || check.Result is ClaimResult.InProgress or ClaimResult.VerificationFailed)
        {
            Log.CancelFailed(logger, session.SessionId, session.InvoiceId!, refusal ?? check.Result.ToApi());
            return (new CancelOutcome(CancelResult.Failed, session, refusal ?? check.Result.ToApi()), check);
        }

        return (null, check);
    }
}
