using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Sessions;

/// <summary>Where a payment's e-receipt (ebarimt) stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReceiptStatus>))]
public enum ReceiptStatus
{
    /// <summary>Asked of QPay, not issued yet (or being retried).</summary>
    [JsonStringEnumMemberName("PENDING")]
    Pending,

    /// <summary>Issued and registered with the tax authority (QPay's <c>barimt_status</c>).</summary>
    [JsonStringEnumMemberName("REGISTERED")]
    Registered,

    /// <summary>QPay would not issue it after every retry; the retry route queues it again.</summary>
    [JsonStringEnumMemberName("FAILED")]
    Failed,

    /// <summary>E-receipts are off (QPAY_EBARIMT_ENABLED=false).</summary>
    [JsonStringEnumMemberName("SKIPPED")]
    Skipped,

    /// <summary>Its payment was refunded: the receipt was cancelled at QPay (or never issued).</summary>
    [JsonStringEnumMemberName("CANCELLED")]
    Cancelled,
}

/// <summary>
/// Who an e-receipt is for, as the checkout named it: a citizen (optionally a phone number) or a
/// company (its register number). Personal data: never logged, never shown to another user.
/// </summary>
public sealed record EbarimtReceiver(
    [property: JsonPropertyName("receiverType")] string ReceiverType,
    [property: JsonPropertyName("receiver")] string? Receiver,
    [property: JsonPropertyName("districtCode")] string? DistrictCode,
    [property: JsonPropertyName("classificationCode")] string? ClassificationCode)
{
    public const string Citizen = "CITIZEN";
    public const string Company = "COMPANY";
}

/// <summary>One payment's e-receipt as the session shows it (no receiver).</summary>
public sealed record SessionReceiptLine(
    [property: JsonPropertyName("paymentId")] string PaymentId,
    [property: JsonPropertyName("status")] ReceiptStatus Status,
    [property: JsonPropertyName("receiptId")] string? ReceiptId,
    [property: JsonPropertyName("qrData")] string? QrData,
    [property: JsonPropertyName("lottery")] string? Lottery,
    [property: JsonPropertyName("amount")] decimal? Amount,
    [property: JsonPropertyName("vatAmount")] decimal? VatAmount,
    [property: JsonPropertyName("cityTaxAmount")] decimal? CityTaxAmount,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("lastError")] string? LastError);

/// <summary>
/// The session's e-receipts, one per counted payment, carried on the session so that a status
/// poll reads no other table; a projection of the EbarimtReceipts rows.
/// </summary>
/// <param name="Status">PENDING while any is pending; FAILED when any failed; else the one status they share (REGISTERED, CANCELLED, SKIPPED), REGISTERED for a mix.</param>
public sealed record SessionReceipts(
    [property: JsonPropertyName("status")] ReceiptStatus Status,
    [property: JsonPropertyName("receipts")] IReadOnlyList<SessionReceiptLine> Receipts)
{
    // Compared by content, so that writing the same summary again is no change of the session.
    public bool Equals(SessionReceipts? other) => other is not null && Status == other.Status && Receipts.SequenceEqual(other.Receipts);

    public override int GetHashCode() => HashCode.Combine(Status, Receipts.Count);
}
