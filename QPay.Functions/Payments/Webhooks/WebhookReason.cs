namespace QPay.Functions.Payments.Webhooks;

/// <summary>Why a webhook did not process a payment (design §3). Every one is answered with HTTP 200.</summary>
public enum WebhookReason
{
    /// <summary>The invoice was already claimed: its orders exist or are being created.</summary>
    Duplicate,

    /// <summary>Another callback is checking this invoice with QPay right now; nothing is claimed yet (the session may still be unpaid).</summary>
    InProgress,

    /// <summary>QPay reports no PAID payment for the session's invoice.</summary>
    NotPaid,

    /// <summary>QPay's PAID total differs from the expected MNT amount by 1 MNT or more.</summary>
    AmountMismatch,

    /// <summary>No session (or no invoice on it) for the session id.</summary>
    SessionMissing,

    /// <summary>The callback URL's token is not the session's.</summary>
    InvalidToken,

    /// <summary>The body names another invoice than the session's.</summary>
    InvoiceMismatch,

    /// <summary>QPay could not be asked (error, timeout); a later callback or the reconciler retries.</summary>
    VerificationFailed,

    /// <summary>Paid after the session expired or was cancelled, under LATE_PAYMENT_POLICY=refund: no orders; the money goes back.</summary>
    RefundPending,
}

public static class WebhookReasonNames
{
    public static string ToApi(this WebhookReason reason) => reason switch
    {
        WebhookReason.Duplicate => "DUPLICATE",
        WebhookReason.InProgress => "IN_PROGRESS",
        WebhookReason.NotPaid => "NOT_PAID",
        WebhookReason.AmountMismatch => "AMOUNT_MISMATCH",
        WebhookReason.SessionMissing => "SESSION_MISSING",
        WebhookReason.InvalidToken => "INVALID_TOKEN",
        WebhookReason.InvoiceMismatch => "INVOICE_MISMATCH",
        WebhookReason.RefundPending => "REFUND_PENDING",
        _ => "VERIFICATION_FAILED",
    };
}

/// <summary>A webhook call as the pipeline sees it; the hints are untrusted.</summary>
/// <param name="TokenRequired">False on the internal route (function key + internal header instead).</param>
/// <param name="PaymentIdHint">The <c>qpay_payment_id</c> QPay appends to its callback: for the audit trail only, never trusted.</param>
public sealed record WebhookRequest(string? SessionId, string? Token, bool TokenRequired, string? InvoiceIdHint, string? PaymentIdHint = null);

public sealed record WebhookOutcome(bool Processed, WebhookReason? Reason, string? SessionId, string? InvoiceId, IReadOnlyList<string> OrderIds)
{
    public static WebhookOutcome Rejected(WebhookReason reason, string? sessionId, string? invoiceId = null, IReadOnlyList<string>? orderIds = null) =>
        new(false, reason, sessionId, invoiceId, orderIds ?? []);
}
