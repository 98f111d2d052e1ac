using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Verification;

/// <summary>
/// The one path from "someone says it is paid" to "its orders are queued", shared by the webhook
/// and the reconciler: a short lock per session's invoice (a burst of duplicates costs QPay one
/// check) → the session with its claim under the lock (two point reads side by side) → <c>payment/check</c>
/// → the claim and the session PAID in one transaction (the claim exists: someone else won; the
/// session changed: decided again) → the order message, beside the Redis copy's refresh and the
/// lock's release (one script). A claim left Verified without orders is queued again once it
/// counts as stuck, so "claimed but no orders" cannot last.
/// </summary>
/// <remarks>
/// It takes no cancellation token on purpose: once QPay is asked, the step runs to its end even
/// if the caller (QPay's callback connection) hangs up, so a payment QPay confirmed is claimed.
/// QPay calls keep their own timeouts.
/// </remarks>
public sealed class InvoiceClaimer(
    IProcessedInvoiceStore claims,
    ISessionStore sessions,
    ISessionCache cache,
    InvoiceCheckLock checkLock,
    PaymentVerifier verifier,
    IOrderQueue orderQueue,
    RefundStarter refunds,
    IRefundQueue refundQueue,
    IPendingSessionIndex index,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    IPaymentAudit audit,
    ILogger<InvoiceClaimer> logger)
{
    /// <summary>How often a claim is decided again because its session changed between the read and the write.</summary>
    private const int MaxDecisions = 5;

    /// <summary>Verifies the session's own invoice with QPay and claims it when paid (taking the check lock itself).</summary>
    public async Task<ClaimOutcome> VerifyAndClaimAsync(PaymentSession session)
    {
        var held = await checkLock.TryAcquireAsync(session.SessionId).ConfigureAwait(false);
        if (held is null)
        {
            Step("another caller is checking this invoice", session.SessionId, session.InvoiceId ?? "-");
            return new ClaimOutcome(ClaimResult.InProgress, []);
        }

        return await VerifyAndClaimAsync(session, held, read: null).ConfigureAwait(false);
    }

    /// <summary>
    /// Verifies and claims under a check lock the caller holds (released here, with the session's
    /// new Redis copy). <paramref name="read"/>: the session and claim the caller read from Table
    /// Storage under the lock already (its copy goes back to Redis); null: read here.
    /// </summary>
    public async Task<ClaimOutcome> VerifyAndClaimAsync(PaymentSession session, HeldCheckLock held, SessionWithClaim? read)
    {
        var sessionId = session.SessionId;
        var invoiceId = session.InvoiceId ?? throw new ArgumentException("The session has no invoice.", nameof(session));
        try
        {
            // Read under the lock, the session with its claim (two point reads side by side): a winner that finished
            // before we took the lock has its claim stored by now, so we answer AlreadyClaimed
            // instead of asking QPay again; and the late-payment policy is decided on the stored status.
            var stored = read ?? await claims.ReadWithSessionAsync(sessionId, invoiceId, CancellationToken.None).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Session {sessionId} has no row in Table Storage.");
            var outcome = await ClaimAsync(stored, held).ConfigureAwait(false);
            return outcome;
        }
        finally
        {
            // Nothing written: the lock goes (and a session read from Table Storage goes back to Redis).
            await held.ReleaseAsync(read?.Session).ConfigureAwait(false);
        }
    }

    private async Task<ClaimOutcome> ClaimAsync(SessionWithClaim read, HeldCheckLock held)
    {
        var session = read.Session;
        var sessionId = session.SessionId;
        var invoiceId = session.InvoiceId ?? throw new InvalidOperationException($"Session {sessionId} has no invoice in Table Storage.");
        if (read.Claim is { } existing)
        {
            return await FollowAsync(existing).ConfigureAwait(false);
        }

        if (session.Status is SessionStatus.RefundPending or SessionStatus.Refunded)
        {
            // Its money is going back (an underpaid session, whose invoice QPay may keep open): so
            // does any payment that comes later; the refund queue finds it in QPay's list.
            await ContinueRefundAsync(sessionId, invoiceId).ConfigureAwait(false);
            return new ClaimOutcome(ClaimResult.HeldForRefund, []);
        }

        Step("checking payment with QPay", sessionId, invoiceId);
        var verification = await verifier.VerifyAsync(session, CancellationToken.None).ConfigureAwait(false);
        switch (verification.Status)
        {
            case VerificationStatus.Failed:
                Log.VerificationFailed(logger, sessionId, invoiceId, verification.FailureCode ?? "?");
                return new ClaimOutcome(ClaimResult.VerificationFailed, []);
            case VerificationStatus.NotPaid:
                return new ClaimOutcome(ClaimResult.NotPaid, []);
            case VerificationStatus.AmountMismatch:
                Log.AmountMismatch(logger, sessionId, invoiceId, verification.PaidMnt, session.ExpectedMnt);
                return new ClaimOutcome(ClaimResult.AmountMismatch, [], verification.PaidMnt);
        }

        var claimId = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        for (var decision = 1; ; decision++)
        {
            // The policy for a late payment is decided on the stored status, not on a cached copy.
            var current = read.Session;
            var paid = new PaidDecision(current.Status, options.Value.RefundsLatePayments);
            var orderIds = paid.HoldForRefund ? [] : OrderIds.For(invoiceId, current.Sellers);
            var claim = new ProcessedInvoice
            {
                InvoiceId = invoiceId,
                SessionId = sessionId,
                ClaimId = claimId,
                State = paid.HoldForRefund ? ClaimState.HeldForRefund : ClaimState.Verified,
                PaidMnt = verification.PaidMnt,
                PaymentIds = verification.PaymentIds,
                OrderIds = orderIds,
                VerifiedAt = now,
                EnqueuedAt = paid.HoldForRefund ? null : now,
            };
            // The claim and the session's PAID (or REFUND_PENDING) in one transaction: both or neither.
            Func<PaymentSession, PaymentSession?>? mark = paid.Refunding ? null : s => s with
            {
                Status = paid.HoldForRefund ? SessionStatus.RefundPending : SessionStatus.Paid,
                PaidMnt = verification.PaidMnt,
                LatePaymentAt = paid.Late ? now : s.LatePaymentAt,
            };
            var write = await claims.TryWriteWithSessionAsync(read, claim, mark, CancellationToken.None).ConfigureAwait(false);
            if (write.Written)
            {
                return await ClaimedAsync(claim, paid, current.Status, write.Session, held).ConfigureAwait(false);
            }

            read = await claims.ReadWithSessionAsync(sessionId, invoiceId, CancellationToken.None).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Session {sessionId} is gone from Table Storage.");
            if (read.Claim is { } winner)
            {
                if (winner.ClaimId == claimId)
                {
                    // Our own transaction, stored, its reply lost and the request retried.
                    return await ClaimedAsync(claim, paid, current.Status, read.Session, held).ConfigureAwait(false);
                }

                Step("claim lost to another caller", sessionId, invoiceId);
                return Answer(winner);
            }

            if (decision == MaxDecisions)
            {
                throw new InvalidOperationException($"Session {sessionId} changed {MaxDecisions} times while its claim was written.");
            }

            Step("the session changed meanwhile: deciding again", sessionId, invoiceId);
        }
    }

    /// <summary>The claim is stored: never throw from here — a claim left Verified is queued again by a duplicate callback or the reconciler.</summary>
    private async Task<ClaimOutcome> ClaimedAsync(ProcessedInvoice claim, PaidDecision paid, SessionStatus decidedOn, PaymentSession? marked, HeldCheckLock held)
    {
        var (sessionId, invoiceId) = (claim.SessionId, claim.InvoiceId);
        audit.Record(sessionId, PaymentEvents.Claimed(invoiceId, claim.PaidMnt, claim.PaymentIds, paid.HoldForRefund));
        Step("invoice claimed", sessionId, invoiceId);
        if (paid.Late)
        {
            Log.LatePayment(logger, sessionId, invoiceId, decidedOn.ToApi(), paid.HoldForRefund ? LatePayments.Refund : LatePayments.Fulfil);
        }

        if (paid.Refunding)
        {
            Log.PaymentOnRefundingSession(logger, sessionId, invoiceId, claim.PaidMnt);
            await ContinueRefundAsync(sessionId, invoiceId).ConfigureAwait(false);
            return new ClaimOutcome(ClaimResult.HeldForRefund, []);
        }

        if (paid.HoldForRefund)
        {
            await StartRefundAsync(sessionId, invoiceId).ConfigureAwait(false);
            await held.ReleaseAsync(marked).ConfigureAwait(false);
            return new ClaimOutcome(ClaimResult.HeldForRefund, []);
        }

        // The order message and the session's Redis copy (with the lock's release) do not depend on each other.
        await Task.WhenAll(EnqueueAsync(sessionId, invoiceId), held.ReleaseAsync(marked)).ConfigureAwait(false);
        Log.PaymentVerified(logger, sessionId, invoiceId, claim.PaidMnt, claim.OrderIds.Count);
        return new ClaimOutcome(ClaimResult.Claimed, claim.OrderIds);
    }

    /// <summary>What a verified payment means on a session in <paramref name="status"/>.</summary>
    private readonly record struct PaidDecision
    {
        public PaidDecision(SessionStatus status, bool refundsLatePayments)
        {
            // A session whose money is going back already (underpaid, then expired or cancelled) sends a later payment back too.
            Refunding = status is SessionStatus.RefundPending or SessionStatus.Refunded;
            Late = status.IsClosedUnpaid() || Refunding;
            HoldForRefund = Refunding || (Late && refundsLatePayments);
        }

        public bool Refunding { get; }

        public bool Late { get; }

        public bool HoldForRefund { get; }
    }

    /// <summary>An existing claim: queued again if it is stuck at Verified; answered as claimed.</summary>
    public async Task<ClaimOutcome> FollowAsync(ProcessedInvoice claim)
    {
        Step("invoice already claimed", claim.SessionId, claim.InvoiceId);
        if (claim.State == ClaimState.Verified)
        {
            await RequeueIfStuckAsync(claim).ConfigureAwait(false);
        }
        else if (claim.State == ClaimState.HeldForRefund
            && await sessions.GetAsync(claim.SessionId, CancellationToken.None).ConfigureAwait(false) is { } held && held.Refund?.Whole != true)
        {
            // A repeated callback (or the reconciler) repairs a lost REFUND_PENDING write or refund start.
            await MarkAsync(claim.SessionId, claim.InvoiceId, SessionStatus.RefundPending, claim.PaidMnt, null).ConfigureAwait(false);
            await StartRefundAsync(claim.SessionId, claim.InvoiceId).ConfigureAwait(false);
        }

        return Answer(claim);
    }

    private static ClaimOutcome Answer(ProcessedInvoice claim) =>
        claim.State == ClaimState.HeldForRefund
            ? new ClaimOutcome(ClaimResult.HeldForRefund, [])
            : new ClaimOutcome(ClaimResult.AlreadyClaimed, claim.OrderIds);

    /// <summary>
    /// Queues a Verified claim again when it has waited longer than <see cref="PaymentOptions.StuckClaimAfter"/>
    /// (a crash between claim and queue, or a lost message): one caller wins the ETag race per period.
    /// </summary>
    public async Task<bool> RequeueIfStuckAsync(ProcessedInvoice claim)
    {
        var now = clock.GetUtcNow();
        var threshold = options.Value.StuckClaimAfter;
        if (now - (claim.EnqueuedAt ?? claim.VerifiedAt) < threshold)
        {
            return false;
        }

        var won = await claims.TryUpdateAsync(
            claim.SessionId,
            claim.InvoiceId,
            c => c.State == ClaimState.Verified && now - (c.EnqueuedAt ?? c.VerifiedAt) >= threshold ? c with { EnqueuedAt = now } : null,
            CancellationToken.None).ConfigureAwait(false);
        if (won)
        {
            Log.StuckClaimRequeued(logger, claim.SessionId, claim.InvoiceId);
            await orderQueue.EnqueueAsync(new OrderCreationMessage(claim.SessionId, claim.InvoiceId), CancellationToken.None).ConfigureAwait(false);
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

    /// <summary>The session becomes PAID (or REFUND_PENDING), through the state machine; a late payment is stamped.</summary>
    private async Task MarkAsync(string sessionId, string invoiceId, SessionStatus status, decimal paidMnt, DateTimeOffset? latePaymentAt)
    {
        try
        {
            var marked = await sessions.UpdateAsync(
                sessionId,
                s => s with { Status = status, PaidMnt = paidMnt, LatePaymentAt = latePaymentAt ?? s.LatePaymentAt },
                CancellationToken.None).ConfigureAwait(false);
            if (marked is not null)
            {
                await cache.StoreAsync(marked).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            // PAID: order creation sets the session PROCESSED (and PaidMnt) from the claim anyway.
            // REFUND_PENDING: the next callback for the held claim writes it again.
            Log.MarkPaidFailed(logger, exception, sessionId, invoiceId, status.ToApi());
        }
    }

    /// <summary>A late payment under the refund policy goes back through the refund queue.</summary>
    private async Task StartRefundAsync(string sessionId, string invoiceId)
    {
        try
        {
            if (await sessions.GetAsync(sessionId, CancellationToken.None).ConfigureAwait(false) is { } session)
            {
                await refunds.StartWholeAsync(session, RefundReasons.LatePayment, null, RefundStarter.AutomaticSource, enqueue: true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            // The claim is held for its refund: a repeated callback, or the reconciler, starts it again.
            Log.MarkPaidFailed(logger, exception, sessionId, invoiceId, SessionStatus.RefundPending.ToApi());
        }
    }

    /// <summary>The reconciler's index takes the session back first (a finished refund has left it), then the queue is asked.</summary>
    private async Task ContinueRefundAsync(string sessionId, string invoiceId)
    {
        try
        {
            var now = clock.GetUtcNow();
            await index.AddAsync(new PendingSessionEntry(sessionId, now, now + options.Value.RefundFollowUp, LastOutcome: PendingSessionEntry.RefundOutcome), CancellationToken.None).ConfigureAwait(false);
            await refundQueue.EnqueueAsync(new RefundMessage(sessionId), TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // A repeated callback asks again; once the index has the session, the reconciler does.
            Log.MarkPaidFailed(logger, exception, sessionId, invoiceId, SessionStatus.RefundPending.ToApi());
        }
    }

    private void Step(string step, string sessionId, string invoiceId)
    {
        if (options.Value.WebhookDebug)
        {
            Log.WebhookStep(logger, step, sessionId, invoiceId);
        }
    }
}
