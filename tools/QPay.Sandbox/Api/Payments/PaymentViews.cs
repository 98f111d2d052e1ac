using QPay.Sandbox.Api.Contracts;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Api.Payments;

/// <summary>
/// Renders a payment the way each endpoint names it: check rows (<c>trx_fee</c>, <c>payment_type</c>),
/// payment GET (<c>payment_fee</c>, <c>transaction_type</c>) and list rows (<c>paid_by</c>).
/// </summary>
internal static class PaymentViews
{
    private const string Currency = "MNT";
    private const string Wallet = "qPay wallet";

    public static PaymentCheckRow CheckRow(SandboxPayment payment) => new(
        payment.PaymentId,
        payment.Status.ToWire(),
        Money.Text(payment.Amount),
        Money.Text(payment.Fee),
        Currency,
        Wallet,
        payment.Type.ToWire(),
        null,
        null,
        CardTransactions(payment),
        P2PTransactions(payment));

    public static PaymentBody Body(SandboxPayment payment) => new(
        payment.PaymentId,
        payment.Status.ToWire(),
        Money.Text(payment.Fee),
        Money.Text(payment.Amount),
        Currency,
        Money.Date(payment.PaidAt),
        Wallet,
        "INVOICE",
        payment.InvoiceId,
        null,
        null,
        payment.Type.ToWire(),
        CardTransactions(payment),
        P2PTransactions(payment));

    public static PaymentListRow ListRow(SandboxPayment payment, SandboxInvoice invoice) => new(
        payment.PaymentId,
        Money.Date(payment.PaidAt),
        payment.Status.ToWire(),
        Money.Text(payment.Fee),
        Money.Text(payment.Amount),
        Currency,
        Wallet,
        invoice.SenderInvoiceNo,
        invoice.InvoiceDescription,
        invoice.QrText,
        payment.Type.ToWire(),
        "INVOICE",
        invoice.InvoiceId);

    private static IReadOnlyList<CardTransaction> CardTransactions(SandboxPayment payment) =>
        payment.Type != SandboxPaymentType.Card
            ? []
            :
            [
                new CardTransaction("UNIONPAY", false, Money.Text(payment.Amount), Currency, Money.Date(payment.PaidAt),
                    "SUCCESS", "PENDING", Money.Date(payment.PaidAt)),
            ];

    private static IReadOnlyList<P2PTransaction> P2PTransactions(SandboxPayment payment) =>
        payment.Type != SandboxPaymentType.P2P
            ? []
            :
            [
                new P2PTransaction("050000", "050000", "Хаан банк", "50*******", "SUCCESS",
                    Money.Text(payment.Amount - payment.Fee), Currency, "SETTLED"),
            ];
}
