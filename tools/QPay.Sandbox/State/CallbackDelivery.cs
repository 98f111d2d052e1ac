namespace QPay.Sandbox;

/// <summary>
/// One callback the sandbox sent: a GET on the invoice's callback_url with <c>qpay_payment_id</c> appended.
/// <see cref="Status"/> is null when no HTTP answer came (refused, timed out); <see cref="Error"/> then says why.
/// </summary>
public sealed record CallbackDelivery
{
    public required string PaymentId { get; init; }

    public required string Url { get; init; }

    public required DateTimeOffset At { get; init; }

    public int? Status { get; init; }

    public string? Body { get; init; }

    public string? Error { get; init; }

    public required long DurationMs { get; init; }

    /// <summary>True when the receiver answered HTTP 200 with the plain text <c>SUCCESS</c>, as QPay expects.</summary>
    public bool Acknowledged => Status == 200 && string.Equals(Body?.Trim(), "SUCCESS", StringComparison.Ordinal);
}
