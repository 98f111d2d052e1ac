using System.Collections.Immutable;

namespace QPay.Sandbox;

/// <summary>A payment recorded through the control API, with every callback delivered for it.</summary>
public sealed record SandboxPayment
{
    public required string PaymentId { get; init; }

    public required string InvoiceId { get; init; }

    public required decimal Amount { get; init; }

    /// <summary>QPay's fee (1 %), shown as <c>trx_fee</c>/<c>payment_fee</c>.</summary>
    public required decimal Fee { get; init; }

    public required SandboxPaymentType Type { get; init; }

    public required SandboxPaymentStatus Status { get; init; }

    public required DateTimeOffset PaidAt { get; init; }

    public ImmutableList<CallbackDelivery> Callbacks { get; init; } = [];
}
