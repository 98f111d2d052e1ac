using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Sessions;

/// <summary>How a refund gives the money back.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RefundMethod>))]
public enum RefundMethod
{
    /// <summary>QPay reverses the payment (<c>DELETE /v2/payment/refund/{id}</c>): card payments.</summary>
    [JsonStringEnumMemberName("API")]
    Api,

    /// <summary>Someone transfers the money by hand (bank-app payments, a seller's share, an overpayment's excess).</summary>
    [JsonStringEnumMemberName("MANUAL")]
    Manual,
}

/// <summary>Where one refund stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RefundStatus>))]
public enum RefundStatus
{
    /// <summary>The money has not gone back yet (QPay not asked or not answering, or a transfer still to make).</summary>
    [JsonStringEnumMemberName("PENDING")]
    Pending,

    /// <summary>The money went back: QPay reversed the payment, or the transfer's reference is recorded.</summary>
    [JsonStringEnumMemberName("REFUNDED")]
    Refunded,

    /// <summary>Replaced by a refund of the whole payment (an overpayment's excess, before it was transferred).</summary>
    [JsonStringEnumMemberName("SUPERSEDED")]
    Superseded,
}

/// <summary>What a refund gives back.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RefundKind>))]
public enum RefundKind
{
    /// <summary>One whole QPay payment of the session.</summary>
    [JsonStringEnumMemberName("PAYMENT")]
    Payment,

    /// <summary>One seller's order (QPay cannot reverse part of a payment, so it is manual).</summary>
    [JsonStringEnumMemberName("SHARE")]
    Share,

    /// <summary>What was paid beyond the invoice amount (manual).</summary>
    [JsonStringEnumMemberName("EXCESS")]
    Excess,
}

/// <summary>One line of <see cref="SessionRefund"/>: a refund of the session, as status shows it.</summary>
public sealed record SessionRefundLine(
    [property: JsonPropertyName("refundId")] string RefundId,
    [property: JsonPropertyName("kind")] RefundKind Kind,
    [property: JsonPropertyName("paymentId")] string? PaymentId,
    [property: JsonPropertyName("method")] RefundMethod Method,
    [property: JsonPropertyName("status")] RefundStatus Status,
    [property: JsonPropertyName("amount")] decimal AmountMnt)
{
    [JsonPropertyName("shopId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ShopId { get; init; }
}

/// <summary>
/// The session's refunds as the session carries them, so that a status poll reads no other table.
/// A projection of the Refunds ledger, written whenever a refund of the session changes.
/// </summary>
/// <param name="Status">Pending while any refund is pending; Refunded when every one is done.</param>
/// <param name="AmountMnt">What goes (or went) back in all, MNT; superseded refunds excluded.</param>
/// <param name="Whole">True when the whole session is refunded (not only a share or an excess).</param>
public sealed record SessionRefund(
    [property: JsonPropertyName("status")] RefundStatus Status,
    [property: JsonPropertyName("amount")] decimal AmountMnt,
    [property: JsonPropertyName("whole")] bool Whole,
    [property: JsonPropertyName("payments")] IReadOnlyList<SessionRefundLine> Payments)
{
    // Compared by content, so that writing the same summary again is no change of the session.
    public bool Equals(SessionRefund? other) =>
        other is not null && Status == other.Status && AmountMnt == other.AmountMnt && Whole == other.Whole && Payments.SequenceEqual(other.Payments);

    public override int GetHashCode() => HashCode.Combine(Status, AmountMnt, Whole, Payments.Count);
}
