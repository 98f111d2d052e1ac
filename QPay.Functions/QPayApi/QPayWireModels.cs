using System.Text.Json.Serialization;

namespace QPay.Functions.QPayApi;

// The bodies as QPay sends them (qpay-v2-api.md §2-6, §10). Field names are explicit; every
// quirk is absorbed here so that the rest of the app sees QPayModels.cs only.

internal sealed class TokenResponseWire
{
    [JsonPropertyName("token_type")] public string? TokenType { get; set; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; set; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; set; }

    /// <summary>ABSOLUTE epoch seconds, not a duration.</summary>
    [JsonPropertyName("expires_in"), JsonConverter(typeof(QPayEpochSecondsConverter))] public long? ExpiresIn { get; set; }
    [JsonPropertyName("refresh_expires_in"), JsonConverter(typeof(QPayEpochSecondsConverter))] public long? RefreshExpiresIn { get; set; }
    [JsonPropertyName("not-before-policy"), JsonConverter(typeof(QPayLooseStringConverter))] public string? NotBeforePolicy { get; set; }
    [JsonPropertyName("session_state")] public string? SessionState { get; set; }
}

internal sealed class CreateInvoiceWire
{
    [JsonPropertyName("invoice_code")] public required string InvoiceCode { get; set; }
    [JsonPropertyName("sender_invoice_no")] public required string SenderInvoiceNo { get; set; }
    [JsonPropertyName("invoice_receiver_code")] public required string InvoiceReceiverCode { get; set; }
    [JsonPropertyName("invoice_description")] public required string InvoiceDescription { get; set; }
    [JsonPropertyName("sender_branch_code"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SenderBranchCode { get; set; }
    [JsonPropertyName("amount")] public decimal Amount { get; set; }
    [JsonPropertyName("callback_url")] public required string CallbackUrl { get; set; }
    [JsonPropertyName("lines"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<InvoiceLineWire>? Lines { get; set; }
}

internal sealed class InvoiceLineWire
{
    [JsonPropertyName("sender_product_code"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SenderProductCode { get; set; }
    [JsonPropertyName("line_description")] public required string LineDescription { get; set; }

    /// <summary>QPay's own examples send line numbers as strings like "1.00".</summary>
    [JsonPropertyName("line_quantity")] public required string LineQuantity { get; set; }
    [JsonPropertyName("line_unit_price")] public required string LineUnitPrice { get; set; }
}

internal sealed class InvoiceCreatedWire
{
    [JsonPropertyName("invoice_id")] public string? InvoiceId { get; set; }
    [JsonPropertyName("qr_text")] public string? QrText { get; set; }
    [JsonPropertyName("qr_image")] public string? QrImage { get; set; }
    [JsonPropertyName("qPay_shortUrl")] public string? ShortUrl { get; set; }
    [JsonPropertyName("urls")] public List<DeeplinkWire>? Urls { get; set; }

    /// <summary>The v1 / documentation name of <c>urls</c>; read when <c>urls</c> is absent.</summary>
    [JsonPropertyName("qPay_deeplink")] public List<DeeplinkWire>? QPayDeeplink { get; set; }
}

internal sealed class DeeplinkWire
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("logo")] public string? Logo { get; set; }
    [JsonPropertyName("link")] public string? Link { get; set; }
}

internal sealed class PaymentCheckRequestWire
{
    [JsonPropertyName("object_type")] public string ObjectType { get; set; } = "INVOICE";
    [JsonPropertyName("object_id")] public required string ObjectId { get; set; }
    [JsonPropertyName("offset")] public required PageOffsetWire Offset { get; set; }
}

/// <summary>The refund body: QPay takes an optional note (and callback_url, which we do not use).</summary>
internal sealed class PaymentRefundWire
{
    [JsonPropertyName("note"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Note { get; set; }
}

internal sealed class EbarimtCreateWire
{
    [JsonPropertyName("payment_id")] public required string PaymentId { get; set; }
    [JsonPropertyName("ebarimt_receiver_type")] public required string ReceiverType { get; set; }
    [JsonPropertyName("ebarimt_receiver"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Receiver { get; set; }
    [JsonPropertyName("district_code"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? DistrictCode { get; set; }
    [JsonPropertyName("classification_code"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ClassificationCode { get; set; }
}

/// <summary>The fields of QPay's e-receipt answer that are kept (see qpay-fixtures/ebarimt-v3-create.json).</summary>
internal sealed class EbarimtWire
{
    [JsonPropertyName("id"), JsonConverter(typeof(QPayLooseStringConverter))] public string? Id { get; set; }
    [JsonPropertyName("ebarimt_receipt_id"), JsonConverter(typeof(QPayLooseStringConverter))] public string? ReceiptId { get; set; }
    [JsonPropertyName("barimt_status")] public string? BarimtStatus { get; set; }
    [JsonPropertyName("ebarimt_qr_data"), JsonConverter(typeof(QPayLooseStringConverter))] public string? QrData { get; set; }
    [JsonPropertyName("ebarimt_lottery")] public string? Lottery { get; set; }
    [JsonPropertyName("amount"), JsonConverter(typeof(QPayMoneyConverter))] public decimal? Amount { get; set; }
    [JsonPropertyName("vat_amount"), JsonConverter(typeof(QPayMoneyConverter))] public decimal? VatAmount { get; set; }
    [JsonPropertyName("city_tax_amount"), JsonConverter(typeof(QPayMoneyConverter))] public decimal? CityTaxAmount { get; set; }
}

/// <summary>The payment/list request; the dates are QPay's <c>"yyyy-MM-dd HH:mm:ss"</c> (qpaygo, Amraa1).</summary>
internal sealed class PaymentListRequestWire
{
    [JsonPropertyName("object_type")] public required string ObjectType { get; set; }
    [JsonPropertyName("object_id")] public required string ObjectId { get; set; }
    [JsonPropertyName("start_date")] public required string StartDate { get; set; }
    [JsonPropertyName("end_date")] public required string EndDate { get; set; }
    [JsonPropertyName("offset")] public required PageOffsetWire Offset { get; set; }
}

/// <summary>The fields of an invoice GET that are kept.</summary>
internal sealed class InvoiceWire
{
    [JsonPropertyName("invoice_id"), JsonConverter(typeof(QPayLooseStringConverter))] public string? InvoiceId { get; set; }
    [JsonPropertyName("invoice_status")] public string? InvoiceStatus { get; set; }
    [JsonPropertyName("sender_invoice_no"), JsonConverter(typeof(QPayLooseStringConverter))] public string? SenderInvoiceNo { get; set; }
}

internal sealed class PageOffsetWire
{
    [JsonPropertyName("page_number")] public int PageNumber { get; set; }
    [JsonPropertyName("page_limit")] public int PageLimit { get; set; }
}

/// <summary>The envelope of payment/check and of payment/list (whose <c>paid_amount</c> only some sources show).</summary>
internal sealed class PaymentCheckWire
{
    [JsonPropertyName("count"), JsonConverter(typeof(QPayMoneyConverter))] public decimal? Count { get; set; }
    [JsonPropertyName("paid_amount"), JsonConverter(typeof(QPayMoneyConverter))] public decimal? PaidAmount { get; set; }
    [JsonPropertyName("rows")] public List<PaymentWire>? Rows { get; set; }
}

/// <summary>
/// A payment as payment/check, GET payment/{id} and payment/list name its fields; the names
/// differ by endpoint (trx_fee/payment_fee, payment_type/transaction_type/paid_by).
/// </summary>
internal sealed class PaymentWire
{
    [JsonPropertyName("payment_id"), JsonConverter(typeof(QPayLooseStringConverter))] public string? PaymentId { get; set; }
    [JsonPropertyName("payment_status")] public string? PaymentStatus { get; set; }
    [JsonPropertyName("payment_amount"), JsonConverter(typeof(QPayMoneyConverter))] public decimal? PaymentAmount { get; set; }
    [JsonPropertyName("trx_fee"), JsonConverter(typeof(QPayMoneyConverter))] public decimal? TrxFee { get; set; }
    [JsonPropertyName("payment_fee"), JsonConverter(typeof(QPayMoneyConverter))] public decimal? PaymentFee { get; set; }
    [JsonPropertyName("payment_currency")] public string? PaymentCurrency { get; set; }
    [JsonPropertyName("payment_type")] public string? PaymentType { get; set; }
    [JsonPropertyName("transaction_type")] public string? TransactionType { get; set; }
    [JsonPropertyName("paid_by")] public string? PaidBy { get; set; }
    [JsonPropertyName("payment_date"), JsonConverter(typeof(QPayDateConverter))] public DateTimeOffset? PaymentDate { get; set; }
    [JsonPropertyName("object_type")] public string? ObjectType { get; set; }
    [JsonPropertyName("object_id"), JsonConverter(typeof(QPayLooseStringConverter))] public string? ObjectId { get; set; }

    public decimal? Fee => TrxFee ?? PaymentFee;

    public string? Type => PaymentType ?? TransactionType ?? PaidBy;
}

[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = false,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(TokenResponseWire))]
[JsonSerializable(typeof(CreateInvoiceWire))]
[JsonSerializable(typeof(InvoiceCreatedWire))]
[JsonSerializable(typeof(PaymentCheckRequestWire))]
[JsonSerializable(typeof(PaymentRefundWire))]
[JsonSerializable(typeof(EbarimtCreateWire))]
[JsonSerializable(typeof(EbarimtWire))]
[JsonSerializable(typeof(PaymentCheckWire))]
[JsonSerializable(typeof(PaymentWire))]
[JsonSerializable(typeof(PaymentListRequestWire))]
[JsonSerializable(typeof(InvoiceWire))]
internal sealed partial class QPayJsonContext : JsonSerializerContext;
