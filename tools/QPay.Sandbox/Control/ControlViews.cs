using QPay.Sandbox.Json;

namespace QPay.Sandbox.Control;

/// <summary>The answer of <c>POST /sandbox/invoices/{id}/pay</c>: the first delivery's status and body, and all deliveries.</summary>
internal sealed record PayAnswer(
    string PaymentId,
    string InvoiceId,
    decimal Amount,
    string Type,
    string InvoiceStatus,
    decimal PaidAmount,
    int? CallbackStatus,
    string? CallbackBody,
    IReadOnlyList<CallbackDelivery> Deliveries);

/// <summary>An invoice as the control API shows it.</summary>
internal sealed record InvoiceView(
    string InvoiceId,
    string InvoiceCode,
    string SenderInvoiceNo,
    string InvoiceDescription,
    decimal Amount,
    decimal PaidAmount,
    string? CallbackUrl,
    string Status,
    DateTimeOffset CreatedAt,
    string QrText,
    string ShortUrl,
    IReadOnlyList<PaymentView> Payments,
    IReadOnlyList<CallbackDelivery> CallbackDeliveries)
{
    public static InvoiceView From(SandboxInvoice invoice) => new(
        invoice.InvoiceId,
        invoice.InvoiceCode,
        invoice.SenderInvoiceNo,
        invoice.InvoiceDescription,
        Money.Number(invoice.Amount),
        Money.Number(invoice.PaidAmount),
        invoice.CallbackUrl,
        invoice.Status.ToWire(),
        invoice.CreatedAt,
        invoice.QrText,
        invoice.ShortUrl,
        invoice.Payments.Select(PaymentView.From).ToList(),
        invoice.Payments.SelectMany(p => p.Callbacks).OrderBy(c => c.At).ToList());
}

internal sealed record PaymentView(
    string PaymentId,
    string Type,
    decimal Amount,
    decimal Fee,
    string Status,
    DateTimeOffset PaidAt,
    IReadOnlyList<CallbackDelivery> Deliveries)
{
    public static PaymentView From(SandboxPayment payment) => new(
        payment.PaymentId,
        payment.Type.ToWire(),
        Money.Number(payment.Amount),
        Money.Number(payment.Fee),
        payment.Status.ToWire(),
        payment.PaidAt,
        payment.Callbacks);
}

/// <summary>A control API complaint: <c>{"error":"..."}</c>.</summary>
internal sealed record ControlError(string Error);
