namespace QPay.Functions.QPayApi;

/// <summary>
/// QPay's merchant API v2, as the backend uses it. Every call authenticates with the shared
/// token; failures surface as <see cref="QPayApiException"/> with QPay's status and error code.
/// </summary>
public interface IQPayClient
{
    /// <summary>
    /// Creates an invoice. Never retried automatically: QPay has no idempotency key, so an
    /// ambiguous failure (timeout, dropped connection, 5xx) surfaces as an error for the caller
    /// to reconcile through its own <c>sender_invoice_no</c>.
    /// </summary>
    Task<QPayInvoice> CreateInvoiceAsync(CreateInvoiceRequest request, CancellationToken cancellationToken);

    Task CancelInvoiceAsync(string invoiceId, CancellationToken cancellationToken);

    /// <summary>
    /// Reverses a card payment (<c>DELETE /v2/payment/refund/{id}</c>). Never retried
    /// automatically. A bank-app payment answers <c>PAYMENT_SETTLED</c> (refund it by hand), a
    /// repeat <c>PAYMENT_ALREADY_CANCELED</c>; see <see cref="QPayApiException.IsPaymentSettled"/>.
    /// </summary>
    /// <param name="note">Shown to QPay with the refund; may be null.</param>
    Task RefundPaymentAsync(string paymentId, string? note, CancellationToken cancellationToken);

    /// <summary>
    /// Issues the e-receipt of a paid payment (<c>POST /v2/ebarimt_v3/create</c>). Not retried
    /// automatically; QPay keeps one receipt per payment, so the receipt queue may ask again.
    /// </summary>
    Task<EbarimtReceipt> CreateEbarimtAsync(CreateEbarimtRequest request, CancellationToken cancellationToken);

    /// <summary>Cancels a payment's e-receipt (<c>DELETE /v2/ebarimt_v3/{payment_id}</c>); none to cancel is 422 <c>BARIMT_NOT_FOUND</c>.</summary>
    Task CancelEbarimtAsync(string paymentId, CancellationToken cancellationToken);

    /// <summary>Every payment of an invoice (all pages of <c>/v2/payment/check</c>).</summary>
    Task<PaymentCheckResult> CheckInvoicePaymentsAsync(string invoiceId, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the merchant's payments in a time window (<c>POST /v2/payment/list</c>). It only
    /// reads, so it is retried on transient failures like payment/check.
    /// </summary>
    Task<PaymentListPage> ListPaymentsAsync(PaymentListRequest request, CancellationToken cancellationToken);

    /// <summary>An invoice as QPay holds it (<c>GET /v2/invoice/{id}</c>); an unknown one is 422 <c>INVOICE_NOTFOUND</c>.</summary>
    Task<QPayInvoiceInfo> GetInvoiceAsync(string invoiceId, CancellationToken cancellationToken);
}
