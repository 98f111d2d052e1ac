using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Operations;

/// <summary>
/// A session as operators see it: every stored field but the e-receipt receiver (personal data).
/// Sessions hold no token or callback URL, so none can show.
/// </summary>
public sealed record AdminSessionView(
    string SessionId,
    string UserId,
    string Status,
    string Origin,
    string? InvoiceId,
    decimal TotalUsd,
    decimal ExpectedMnt,
    decimal? PaidMnt,
    decimal UsdToMntRate,
    IReadOnlyList<CartLine> Cart,
    IReadOnlyList<string> Sellers,
    IReadOnlyDictionary<string, string> SellerIds,
    Coupon? Coupon,
    string? ShippingAddressId,
    IReadOnlyList<string> OrderIds,
    string? FailureCode,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? CancelledAt,
    DateTimeOffset? ExpiredAt,
    DateTimeOffset? LatePaymentAt,
    SessionRefund? Refund,
    int Version)
{
    public static AdminSessionView From(PaymentSession s) => new(
        s.SessionId, s.UserId, s.Status.ToApi(), s.Origin, s.InvoiceId, s.TotalUsd, s.ExpectedMnt, s.PaidMnt, s.UsdToMntRate,
        s.Cart, s.Sellers, s.SellerIds, s.Coupon, s.ShippingAddressId, s.OrderIds, s.FailureCode,
        s.CreatedAt, s.UpdatedAt, s.ExpiresAt, s.CancelledAt, s.ExpiredAt, s.LatePaymentAt, s.Refund, s.Version);
}

/// <summary>The invoice's claim (ProcessedInvoices) as operators see it.</summary>
public sealed record AdminClaimView(
    string InvoiceId,
    string State,
    decimal PaidMnt,
    IReadOnlyList<string> PaymentIds,
    IReadOnlyList<string> OrderIds,
    DateTimeOffset VerifiedAt,
    DateTimeOffset? EnqueuedAt,
    DateTimeOffset? OrdersCreatedAt)
{
    public static AdminClaimView From(ProcessedInvoice c) =>
        new(c.InvoiceId, c.State.ToString(), c.PaidMnt, c.PaymentIds, c.OrderIds, c.VerifiedAt, c.EnqueuedAt, c.OrdersCreatedAt);
}

/// <summary>
/// Everything stored about one session: the session, its claim, its orders, its audit trail (oldest
/// first, at most <see cref="SessionInspector.MaxEvents"/>), its refund plan and refunds, its e-receipts.
/// </summary>
public sealed record SessionDetail(
    AdminSessionView Session,
    AdminClaimView? Claim,
    IReadOnlyList<Order> Orders,
    IReadOnlyList<RecordedPaymentEvent> Events,
    bool EventsTruncated,
    RefundPlan? RefundPlan,
    IReadOnlyList<RefundRecord> Refunds,
    IReadOnlyList<ReceiptRecord> Receipts);

/// <summary>A line of a user's session list.</summary>
public sealed record AdminSessionSummary(
    string SessionId,
    string Status,
    string? InvoiceId,
    decimal ExpectedMnt,
    decimal? PaidMnt,
    IReadOnlyList<string> OrderIds,
    string Origin,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    public static AdminSessionSummary From(PaymentSession s) =>
        new(s.SessionId, s.Status.ToApi(), s.InvoiceId, s.ExpectedMnt, s.PaidMnt, s.OrderIds, s.Origin, s.CreatedAt, s.ExpiresAt);
}

/// <summary>A page of a user's sessions, newest first.</summary>
public sealed record AdminSessionPage(IReadOnlyList<AdminSessionSummary> Sessions, string? NextCursor);
