using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Verification;
using QPay.Functions.QPayApi;
using QPay.Functions.Security;

namespace QPay.Functions.Payments.Ledger;

/// <summary>
/// Matches one PAID payment QPay listed to our records: the claim of its invoice (its payment ids)
/// or a refund of its session. A payment of one of our sessions that nothing covers yet is sent
/// through the normal verification (<see cref="InvoiceClaimer"/>) at once.
/// </summary>
public sealed class LedgerPaymentMatcher(
    IProcessedInvoiceStore claims,
    IRefundLedger refunds,
    ISessionStore sessions,
    IQPayClient qpay,
    InvoiceClaimer claimer,
    IPaymentAudit audit,
    ILogger<LedgerPaymentMatcher> logger)
{
    public const string AuditSource = "ledger";

    public async Task<LedgerMatch> MatchAsync(PaymentRow payment, string date, CancellationToken cancellationToken)
    {
        var paymentId = payment.PaymentId;
        var invoiceId = string.Equals(payment.ObjectType, "INVOICE", StringComparison.OrdinalIgnoreCase) ? payment.ObjectId : null;
        if (string.IsNullOrEmpty(invoiceId) || !payment.HasPaymentId)
        {
            Log.LedgerPaymentUnmatched(logger, date, paymentId, invoiceId ?? "none", "NOT_AN_INVOICE_PAYMENT");
            return LedgerMatch.Unmatched;
        }

        PaymentSession? session;
        try
        {
            session = await FindSessionAsync(invoiceId, cancellationToken).ConfigureAwait(false);
        }
        catch (QPayApiException e)
        {
            // QPay failing on this one invoice leaves this payment open, not the whole day.
            Log.LedgerPaymentUnresolved(logger, date, paymentId, "unknown", invoiceId, e.ErrorCode ?? "QPAY_ERROR");
            return LedgerMatch.Unresolved;
        }

        if (session is null)
        {
            Log.LedgerPaymentUnmatched(logger, date, paymentId, invoiceId, "NO_SESSION");
            return LedgerMatch.Unmatched;
        }

        // The claim lives with its session (the invoice's sender_invoice_no names it).
        if (await claims.GetAsync(session.SessionId, invoiceId, cancellationToken).ConfigureAwait(false) is { } claim)
        {
            if (claim.PaymentIds.Contains(paymentId, StringComparer.Ordinal) || await IsRefundedAsync(claim.SessionId, paymentId, cancellationToken).ConfigureAwait(false))
            {
                return LedgerMatch.Matched;
            }

            // Paid after the claim was made (a second payment of a claimed invoice): nobody accounts for it.
            Log.LedgerPaymentNotCovered(logger, date, paymentId, claim.SessionId, invoiceId);
            return LedgerMatch.Unmatched;
        }

        if (await IsRefundedAsync(session.SessionId, paymentId, cancellationToken).ConfigureAwait(false))
        {
            return LedgerMatch.Matched;
        }

        var outcome = await claimer.VerifyAndClaimAsync(session).ConfigureAwait(false);
        switch (outcome.Result)
        {
            case ClaimResult.Claimed or ClaimResult.HeldForRefund:
                Log.LedgerPaymentRecovered(logger, date, paymentId, session.SessionId, invoiceId, outcome.Result.ToApi());
                audit.Record(session.SessionId, new PaymentEvent(
                    PaymentEventTypes.LedgerRecovered, AuditSource, outcome.Result.ToApi(), paymentId, invoiceId, payment.Amount, date));
                return LedgerMatch.Recovered;
            case ClaimResult.AlreadyClaimed:
                // Claimed between our read and the verification (a callback or the reconciler won).
                return LedgerMatch.Matched;
            default:
                Log.LedgerPaymentUnresolved(logger, date, paymentId, session.SessionId, invoiceId, outcome.Result.ToApi());
                return LedgerMatch.Unresolved;
        }
    }

    /// <summary>
    /// The session that created the invoice: its <c>sender_invoice_no</c> is the session id (the
    /// seeding makes it so), and that session must name this invoice (a second invoice made for
    /// the same session by a retried creation is not the one it waits for).
    /// </summary>
    private async Task<PaymentSession?> FindSessionAsync(string invoiceId, CancellationToken cancellationToken)
    {
        QPayInvoiceInfo invoice;
        try
        {
            invoice = await qpay.GetInvoiceAsync(invoiceId, cancellationToken).ConfigureAwait(false);
        }
        catch (QPayApiException e) when (e.StatusCode is { } status && (int)status is 400 or 404 or 422)
        {
            // QPay does not know the invoice (422 INVOICE_NOTFOUND, or 404 / 400): it is not one we can follow.
            return null;
        }

        if (!Identifiers.IsValid(invoice.SenderInvoiceNo))
        {
            return null;
        }

        var session = await sessions.GetAsync(invoice.SenderInvoiceNo!, cancellationToken).ConfigureAwait(false);
        return session is not null && string.Equals(session.InvoiceId, invoiceId, StringComparison.Ordinal) ? session : null;
    }

    private async Task<bool> IsRefundedAsync(string sessionId, string paymentId, CancellationToken cancellationToken) =>
        (await refunds.ListAsync(sessionId, cancellationToken).ConfigureAwait(false))
        .Any(r => string.Equals(r.PaymentId, paymentId, StringComparison.Ordinal));
}
