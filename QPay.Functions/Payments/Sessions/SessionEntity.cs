using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// A row of the PaymentSessions table (PK = sessionId). Money is stored as invariant decimal
/// strings (Table Storage has no decimal type) and lists as JSON. The invoice's QR image (a
/// base64 PNG) has a column of its own: a string property holds at most 64 KiB (32K UTF-16
/// characters), so an image or invoice JSON longer than <see cref="MaxPropertyChars"/> is left out
/// rather than failing the write.
/// </summary>
internal sealed class SessionEntity : ITableEntity
{
    public const string SessionRowKey = "session";

    /// <summary>The longest string stored in one property (Table Storage's limit is 32,768 UTF-16 characters).</summary>
    public const int MaxPropertyChars = 32_000;

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = SessionRowKey;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string UserId { get; set; } = string.Empty;
    public string CartJson { get; set; } = "[]";
    public string SellersJson { get; set; } = "[]";
    public string? SellerIdsJson { get; set; }
    public string TotalUsd { get; set; } = "0";
    public string? CouponJson { get; set; }
    public string? ShippingAddressId { get; set; }
    public string ExpectedMnt { get; set; } = "0";
    public string UsdToMntRate { get; set; } = "0";
    public string? InvoiceId { get; set; }
    public string? InvoiceJson { get; set; }
    public string? InvoiceQrImage { get; set; }
    public string Status { get; set; } = nameof(SessionStatus.Pending);
    public string? PaidMnt { get; set; }
    public string OrderIdsJson { get; set; } = "[]";
    public string? FailureCode { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public DateTimeOffset? ExpiredAt { get; set; }
    public DateTimeOffset? LatePaymentAt { get; set; }
    public string? RefundJson { get; set; }
    public string? ReceiverJson { get; set; }
    public string? ReceiptsJson { get; set; }
    public string Origin { get; set; } = string.Empty;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int Version { get; set; }

    /// <summary>True on every row written since claims moved into the session's partition; absent on older rows.</summary>
    public bool? ClaimInSessionPartition { get; set; }

    public static SessionEntity From(PaymentSession session) => new()
    {
        PartitionKey = session.SessionId,
        UserId = session.UserId,
        CartJson = JsonSerializer.Serialize(session.Cart, SessionJsonContext.Default.IReadOnlyListCartLine),
        SellersJson = JsonSerializer.Serialize(session.Sellers, SessionJsonContext.Default.IReadOnlyListString),
        SellerIdsJson = session.SellerIds.Count == 0 ? null : JsonSerializer.Serialize(session.SellerIds, SessionJsonContext.Default.IReadOnlyDictionaryStringString),
        TotalUsd = TableDecimal.Format(session.TotalUsd),
        CouponJson = session.Coupon is null ? null : JsonSerializer.Serialize(session.Coupon, SessionJsonContext.Default.Coupon),
        ShippingAddressId = session.ShippingAddressId,
        ExpectedMnt = TableDecimal.Format(session.ExpectedMnt),
        UsdToMntRate = TableDecimal.Format(session.UsdToMntRate),
        InvoiceId = session.InvoiceId,
        InvoiceJson = InvoiceWithoutImage(session.Invoice),
        InvoiceQrImage = session.Invoice?.QrImage is { Length: <= MaxPropertyChars } image ? image : null,
        Status = session.Status.ToString(),
        PaidMnt = session.PaidMnt is { } paid ? TableDecimal.Format(paid) : null,
        OrderIdsJson = JsonSerializer.Serialize(session.OrderIds, SessionJsonContext.Default.IReadOnlyListString),
        FailureCode = session.FailureCode,
        ExpiresAt = session.ExpiresAt,
        CancelledAt = session.CancelledAt,
        ExpiredAt = session.ExpiredAt,
        LatePaymentAt = session.LatePaymentAt,
        RefundJson = session.Refund is null ? null : JsonSerializer.Serialize(session.Refund, SessionJsonContext.Default.SessionRefund),
        ReceiverJson = session.Receiver is null ? null : JsonSerializer.Serialize(session.Receiver, SessionJsonContext.Default.EbarimtReceiver),
        ReceiptsJson = session.Receipts is null ? null : JsonSerializer.Serialize(session.Receipts, SessionJsonContext.Default.SessionReceipts),
        Origin = session.Origin,
        CreatedAt = session.CreatedAt,
        UpdatedAt = session.UpdatedAt,
        Version = session.Version,
        ClaimInSessionPartition = session.ClaimInSessionPartition ? true : null,
    };

    public PaymentSession ToSession() => new()
    {
        SessionId = PartitionKey,
        UserId = UserId,
        Cart = JsonSerializer.Deserialize(CartJson, SessionJsonContext.Default.IReadOnlyListCartLine) ?? [],
        Sellers = JsonSerializer.Deserialize(SellersJson, SessionJsonContext.Default.IReadOnlyListString) ?? [],
        SellerIds = SellerIdsJson is null ? PaymentSession.EmptySellerIds : JsonSerializer.Deserialize(SellerIdsJson, SessionJsonContext.Default.IReadOnlyDictionaryStringString) ?? PaymentSession.EmptySellerIds,
        TotalUsd = TableDecimal.Parse(TotalUsd),
        Coupon = CouponJson is null ? null : JsonSerializer.Deserialize(CouponJson, SessionJsonContext.Default.Coupon),
        ShippingAddressId = ShippingAddressId,
        ExpectedMnt = TableDecimal.Parse(ExpectedMnt),
        UsdToMntRate = TableDecimal.Parse(UsdToMntRate),
        InvoiceId = InvoiceId,
        Invoice = InvoiceJson is null ? null : JsonSerializer.Deserialize(InvoiceJson, SessionJsonContext.Default.SessionInvoice)! with { QrImage = InvoiceQrImage },
        Status = Enum.Parse<SessionStatus>(Status),
        PaidMnt = PaidMnt is null ? null : TableDecimal.Parse(PaidMnt),
        OrderIds = JsonSerializer.Deserialize(OrderIdsJson, SessionJsonContext.Default.IReadOnlyListString) ?? [],
        FailureCode = FailureCode,
        // Rows written before sessions expired have none: they get the default life from their creation.
        ExpiresAt = ExpiresAt == default ? CreatedAt + TimeSpan.FromSeconds(PaymentOptions.DefaultSessionExpirySeconds) : ExpiresAt,
        CancelledAt = CancelledAt,
        ExpiredAt = ExpiredAt,
        LatePaymentAt = LatePaymentAt,
        Refund = RefundJson is null ? null : JsonSerializer.Deserialize(RefundJson, SessionJsonContext.Default.SessionRefund),
        Receiver = ReceiverJson is null ? null : JsonSerializer.Deserialize(ReceiverJson, SessionJsonContext.Default.EbarimtReceiver),
        Receipts = ReceiptsJson is null ? null : JsonSerializer.Deserialize(ReceiptsJson, SessionJsonContext.Default.SessionReceipts),
        Origin = Origin,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Version = Version,
        ClaimInSessionPartition = ClaimInSessionPartition == true,
    };

    /// <summary>
    /// The part of <paramref name="invoice"/> that fits in a row (what <see cref="From"/> would keep),
    /// and which part was left out (qrImage, or the whole invoice), with its length.
    /// </summary>
    public static (SessionInvoice? Stored, string? LeftOut, int Length) Fit(SessionInvoice invoice)
    {
        if (InvoiceWithoutImage(invoice) is null)
        {
            return (null, "invoice", JsonSerializer.Serialize(invoice with { QrImage = null }, SessionJsonContext.Default.SessionInvoice).Length);
        }

        return invoice.QrImage is { Length: > MaxPropertyChars } image ? (invoice with { QrImage = null }, "qrImage", image.Length) : (invoice, null, 0);
    }

    private static string? InvoiceWithoutImage(SessionInvoice? invoice)
    {
        if (invoice is null)
        {
            return null;
        }

        var json = JsonSerializer.Serialize(invoice with { QrImage = null }, SessionJsonContext.Default.SessionInvoice);
        return json.Length <= MaxPropertyChars ? json : null;
    }
}
