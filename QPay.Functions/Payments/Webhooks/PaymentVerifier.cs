using QPay.Functions.Payments.Sessions;
using QPay.Functions.QPayApi;

namespace QPay.Functions.Payments.Webhooks;

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
/// the PAID rows in MNT are summed and must be within <see cref="ToleranceMnt"/> of the expected
/// amount. The only place that decides "paid"; webhook and reconciler both come here.
/// </summary>
public sealed class PaymentVerifier(IQPayClient qpay)
{
    public const decimal ToleranceMnt = 1m;

    public async Task<PaymentVerification> VerifyAsync(PaymentSession session, CancellationToken cancellationToken)
    {
        PaymentCheckResult result;
        try
        {
            result = await qpay.CheckInvoicePaymentsAsync(session.InvoiceId!, cancellationToken).ConfigureAwait(false);
        }
        catch (QPayApiException exception)
        {
            return new PaymentVerification(VerificationStatus.Failed, 0m, [], exception.ErrorCode ?? "QPAY_ERROR");
        }

        var paid = result.PaidRows;
        var total = paid.Sum(r => r.Amount ?? 0m);
        var ids = paid.Select(r => r.PaymentId).ToList();
        if (total <= 0m)
        {
            return new PaymentVerification(VerificationStatus.NotPaid, 0m, ids);
        }

        return Math.Abs(total - session.ExpectedMnt) < ToleranceMnt
            ? new PaymentVerification(VerificationStatus.Paid, total, ids)
            : new PaymentVerification(VerificationStatus.AmountMismatch, total, ids);
    }
}
