using QPay.Functions.Security;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Audit;

/// <summary>
/// The trail's events as the payment path records them, one factory per kind, so that every
/// caller fills the same fields the same way. Each takes ids, codes and amounts only.
/// </summary>
public static class PaymentEvents
{
    /// <summary>Who made an event happen, beside the webhook's public/internal/reconciler.</summary>
    public static class Sources
    {
        public const string User = "user";
        public const string OpenSessionCap = "open-session-cap";
        public const string Orders = "orders";
        public const string Refunds = "refunds";
        public const string Receipts = "receipts";
    }

    /// <summary>Why a session expired.</summary>
    public static class ExpiredReasons
    {
        /// <summary>Its time was up (the reconciler cancelled its invoice).</summary>
        public const string TimeUp = "TIME_UP";

        /// <summary>Its user's newer session pushed it over MAX_OPEN_SESSIONS_PER_USER.</summary>
        public const string Superseded = "SUPERSEDED";
    }

    /// <param name="failureCode">QPay's error code when the invoice could not be created (the session is FAILED).</param>
    public static PaymentEvent Seeded(string? invoiceId, decimal expectedMnt, string? failureCode = null) =>
        new(PaymentEventTypes.Seeded, Reason: failureCode is null ? "PENDING" : "FAILED", InvoiceId: invoiceId, AmountMnt: expectedMnt, Detail: failureCode);

    /// <param name="paymentId">The <c>qpay_payment_id</c> the caller sent; kept only if it is a well-formed identifier (it is untrusted).</param>
    public static PaymentEvent Callback(string source, string reason, string? invoiceId, string? paymentId) =>
        new(PaymentEventTypes.Callback, source, reason, Identifiers.IsValid(paymentId) ? paymentId : null, invoiceId);

    /// <param name="phase">Which check of the visit: scheduled, expiry (the last one), invoice-paid (QPay refused the cancel as paid).</param>
    public static PaymentEvent ReconcilerCheck(string reason, string invoiceId, string phase) =>
        new(PaymentEventTypes.ReconcilerCheck, PaymentMetrics.Sources.Reconciler, reason, InvoiceId: invoiceId, Detail: phase);

    /// <summary>The invoice's claim was written: VERIFIED (orders follow) or HELD_FOR_REFUND (a late payment going back).</summary>
    public static PaymentEvent Claimed(string invoiceId, decimal paidMnt, IReadOnlyList<string> paymentIds, bool heldForRefund) =>
        new(PaymentEventTypes.Claimed, Reason: heldForRefund ? "HELD_FOR_REFUND" : "VERIFIED", PaymentId: paymentIds.FirstOrDefault(),
            InvoiceId: invoiceId, AmountMnt: paidMnt, Detail: string.Join(',', paymentIds));

    public static PaymentEvent OrdersCreated(string invoiceId, IReadOnlyList<string> orderIds) =>
        new(PaymentEventTypes.OrdersCreated, Sources.Orders, "CREATED", InvoiceId: invoiceId, Detail: string.Join(',', orderIds));

    /// <param name="partlyPaidMnt">What was paid of it (going back), when anything was.</param>
    public static PaymentEvent Cancelled(string? invoiceId, decimal? partlyPaidMnt) =>
        new(PaymentEventTypes.Cancelled, Sources.User, "CANCELLED", InvoiceId: invoiceId, AmountMnt: partlyPaidMnt);

    /// <param name="reason">One of <see cref="ExpiredReasons"/>.</param>
    /// <param name="detail">The newer session's id for SUPERSEDED.</param>
    public static PaymentEvent Expired(string source, string reason, string? invoiceId, decimal? partlyPaidMnt, string? detail = null) =>
        new(PaymentEventTypes.Expired, source, reason, InvoiceId: invoiceId, AmountMnt: partlyPaidMnt, Detail: detail);

    /// <param name="status">
    /// REQUESTED (a whole refund planned; WITHDRAWN when an underpaid session turned out paid), then per payment
    /// REFUNDED, MANUAL (QPay cannot reverse it) or RETRYING; PENDING for a share or an excess to transfer by hand;
    /// COMPLETED once the whole session is refunded.
    /// </param>
    /// <param name="detail">The refund's reason or kind (share:shop, excess), or QPay's error code.</param>
    public static PaymentEvent Refund(string status, decimal? amountMnt, string? paymentId, string? invoiceId, string? detail = null, string? source = null) =>
        new(PaymentEventTypes.Refund, source ?? Sources.Refunds, status, paymentId, invoiceId, amountMnt, detail);

    /// <param name="status">REGISTERED, CANCELLED, RETRYING, FAILED or SKIPPED.</param>
    /// <param name="detail">issue or cancel, and QPay's error code. Never the receiver.</param>
    public static PaymentEvent Receipt(string status, string paymentId, string? invoiceId, string? detail = null) =>
        new(PaymentEventTypes.Receipt, Sources.Receipts, status, paymentId, invoiceId, Detail: detail);
}
