namespace QPay.Functions.Payments.Verification;

/// <summary>What verifying and claiming an invoice came to.</summary>
public enum ClaimResult
{
    /// <summary>QPay confirmed the payment and this caller claimed the invoice: its orders are queued.</summary>
    Claimed,

    /// <summary>The invoice was claimed already (by another caller, now or before).</summary>
    AlreadyClaimed,

    /// <summary>A late payment claimed under LATE_PAYMENT_POLICY=refund: no orders, the money goes back.</summary>
    HeldForRefund,

    /// <summary>Another caller is checking this invoice with QPay right now; nothing is claimed yet.</summary>
    InProgress,

    /// <summary>QPay holds no payment that counts for the invoice.</summary>
    NotPaid,

    /// <summary>The payments that count fall short of the expected amount by 1 MNT or more (underpaid).</summary>
    AmountMismatch,

    /// <summary>QPay could not be asked; a later callback or the reconciler tries again.</summary>
    VerificationFailed,
}

/// <param name="OrderIds">The invoice's order ids once it is claimed (by anyone); empty otherwise.</param>
/// <param name="PaidMnt">What QPay holds for the invoice when it is underpaid (AMOUNT_MISMATCH); 0 otherwise.</param>
public sealed record ClaimOutcome(ClaimResult Result, IReadOnlyList<string> OrderIds, decimal PaidMnt = 0m)
{
    public bool IsClaimed => Result is ClaimResult.Claimed or ClaimResult.AlreadyClaimed or ClaimResult.HeldForRefund;
}

public static class ClaimResultNames
{
    /// <summary>The reason code as webhooks answer it (and the reconciler records it).</summary>
    public static string ToApi(this ClaimResult result) => result switch
    {
        ClaimResult.Claimed => "CLAIMED",
        ClaimResult.AlreadyClaimed => "DUPLICATE",
        ClaimResult.HeldForRefund => "REFUND_PENDING",
        ClaimResult.InProgress => "IN_PROGRESS",
        ClaimResult.NotPaid => "NOT_PAID",
        ClaimResult.AmountMismatch => "AMOUNT_MISMATCH",
        _ => "VERIFICATION_FAILED",
    };
}
