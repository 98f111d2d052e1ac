using System.Text.Json.Serialization;

namespace QPay.Sandbox.Api.Contracts;

/// <summary>The body of <c>POST /v2/ebarimt_v3/create</c>, field for field as QPay answers it.</summary>
internal sealed record EbarimtBody(
    string Id,
    string EbarimtBy,
    string EbarimtReceiverType,
    string EbarimtReceiver,
    string EbarimtDistrictCode,
    string MerchantBranchCode,
    string MerchantStaffCode,
    string MerchantRegisterNo,
    [property: JsonPropertyName("g_payment_id")] string GPaymentId,
    string PaidBy,
    string ObjectType,
    string ObjectId,
    string Amount,
    string VatAmount,
    string CityTaxAmount,
    string EbarimtQrData,
    string EbarimtLottery,
    string BarimtStatus,
    string BarimtStatusDate,
    string? EbarimtReceiverPhone,
    string TaxType,
    string MerchantTin,
    string EbarimtReceiptId,
    bool Status);
