using System.Diagnostics;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.QPayApi;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Verification;

public enum VerificationStatus
{
    Paid,
    NotPaid,
    AmountMismatch,
    Failed,
}

public sealed record PaymentVerification(VerificationStatus Status, decimal PaidMnt, IReadOnlyList<string> PaymentIds, string? FailureCode = null);

/// <summary>
/// Asks QPay (<c>/v2/payment/check</c> on the session's own invoice) whether the session is paid:
/// the rows that count (<see cref="PaymentCheckResult.CountedRows"/>: PAID, MNT, this invoice, not
/// refunded, each payment once) are summed and must reach the expected amount, within
/// <see cref="MntAmount.Tolerance"/>. An overpayment is paid: its orders are created and the
/// excess goes back (order creation records it). The only place that decides "paid"; webhook and
/// reconciler both come here.
/// </summary>
public sealed class PaymentVerifier(IQPayClient qpay, PaymentMetrics metrics)
{
    /// <summary>One <c>payment/check</c>, recorded by result and duration (<c>qpay.payment_check.*</c>); one that throws is FAILED.</summary>
    public async Task<PaymentVerification> VerifyAsync(PaymentSession session, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = ResultName(VerificationStatus.Failed);
        try
        {
            var verification = await CheckAsync(session, cancellationToken).ConfigureAwait(false);
            result = ResultName(verification.Status);
            return verification;
        }
        finally
        {
            metrics.PaymentChecked(result, Stopwatch.GetElapsedTime(started));
        }
    }

    private static string ResultName(VerificationStatus status) => status switch
    {
        VerificationStatus.Paid => "PAID",
        VerificationStatus.NotPaid => "NOT_PAID",
        VerificationStatus.AmountMismatch => "AMOUNT_MISMATCH",
        _ => "FAILED",
    };

    private async Task<PaymentVerification> CheckAsync(PaymentSession session, CancellationToken cancellationToken)
    {
        var invoiceId = session.InvoiceId!;
        PaymentCheckResult result;
        try
        {
            result = await qpay.CheckInvoicePaymentsAsync(invoiceId, cancellationToken).ConfigureAwait(false);
        }
        catch (QPayApiException exception)
        {
            return new PaymentVerification(VerificationStatus.Failed, 0m, [], exception.ErrorCode ?? "QPAY_ERROR");
        }

        var counted = result.CountedRows(invoiceId);
        var total = counted.Sum(r => r.Amount ?? 0m);
        // A counted row without a payment id adds to the total but has no id to record.
        var ids = counted.Where(r => r.HasPaymentId).Select(r => r.PaymentId).ToList();
        if (total <= 0m)
        {
            return new PaymentVerification(VerificationStatus.NotPaid, 0m, ids);
        }

        return session.ExpectedMnt - total < MntAmount.Tolerance
            ? new PaymentVerification(VerificationStatus.Paid, total, ids)
            : new PaymentVerification(VerificationStatus.AmountMismatch, total, ids);
    }
}
