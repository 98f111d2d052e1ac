namespace QPay.Sandbox.State;

internal enum InvoiceCancelOutcome
{
    Canceled,
    NotFound,
    AlreadyCanceled,
    Paid,
}

internal enum PaymentCancelOutcome
{
    Refunded,
    NotFound,
    AlreadyCanceled,
    Settled,
}

internal enum PayOutcome
{
    Paid,
    InvoiceNotFound,
    InvoiceCanceled,
    NothingLeftToPay,
    PaymentIdTaken,
}

/// <summary>What the control API asks the state to record.</summary>
/// <param name="EvenIfCanceled">The payment raced the invoice's cancel at QPay and was taken anyway (a test of late payments).</param>
internal sealed record PayCommand(string InvoiceId, decimal? Amount, SandboxPaymentType Type, string? PaymentId, DateTimeOffset At, bool EvenIfCanceled = false);

internal sealed record PayResult(PayOutcome Outcome, SandboxPayment? Payment = null, SandboxInvoice? Invoice = null);
