namespace QPay.Sandbox;

/// <summary>An invoice's <c>invoice_status</c>: OPEN, CLOSED (fully paid) or CANCELED.</summary>
public enum SandboxInvoiceStatus
{
    Open,
    Closed,
    Canceled,
}

/// <summary>How a payment was made: a bank transfer (15-digit id) or a card (UUID id).</summary>
public enum SandboxPaymentType
{
    P2P,
    Card,
}

/// <summary>A payment's <c>payment_status</c>.</summary>
public enum SandboxPaymentStatus
{
    Paid,
    Refunded,
}

/// <summary>The spellings QPay uses on the wire.</summary>
public static class SandboxWireNames
{
    public static string ToWire(this SandboxInvoiceStatus status) => status switch
    {
        SandboxInvoiceStatus.Open => "OPEN",
        SandboxInvoiceStatus.Closed => "CLOSED",
        SandboxInvoiceStatus.Canceled => "CANCELED",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static string ToWire(this SandboxPaymentType type) => type switch
    {
        SandboxPaymentType.P2P => "P2P",
        SandboxPaymentType.Card => "CARD",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static string ToWire(this SandboxPaymentStatus status) => status switch
    {
        SandboxPaymentStatus.Paid => "PAID",
        SandboxPaymentStatus.Refunded => "REFUNDED",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
