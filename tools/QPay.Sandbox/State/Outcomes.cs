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
internal sealed record PayCommand(string InvoiceId, decimal? Amount, SandboxPaymentType Type, string? PaymentId, DateTimeOffset At);

internal sealed record PayResult(PayOutcome Outcome, SandboxPayment? Payment = null, SandboxInvoice? Invoice = null);
