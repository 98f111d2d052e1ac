using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Api.Contracts;
using QPay.Sandbox.Json;
using QPay.Sandbox.State;

namespace QPay.Sandbox.Api.Ebarimt;

/// <summary>
/// <c>POST /v2/ebarimt_v3/create</c> and <c>DELETE /v2/ebarimt_v3/{payment_id}</c>: at most one e-receipt per paid payment.
/// Create checks, in order: a JSON body (400 OBJECT_DATA_ERROR), the fields (nested 400), the merchant's registration
/// (<see cref="SandboxOptions.EbarimtRegistered"/>, 400 EBARIMT_NOT_REGISTERED), the payment (422 PAYMENT_NOTFOUND) and
/// that it is still PAID (400 PAYMENT_NOT_PAID); a repeat answers the receipt already kept. Amounts follow <see cref="EbarimtTax"/>.
/// </summary>
internal static class EbarimtEndpoints
{
    private const string DefaultDistrictCode = "3505";
    private const string MerchantRegisterNo = "1234567";
    private const string MerchantTin = "10000000001";

    public static async Task<IResult> CreateAsync(HttpRequest request, SandboxState state, SandboxOptions options, CancellationToken cancellationToken)
    {
        var (ok, body) = await JsonBody.ReadAsync(request, cancellationToken);
        if (!ok)
        {
            return QPayErrors.MalformedBody();
        }

        var errors = new Dictionary<string, FieldError>(StringComparer.Ordinal);
        var paymentId = body.Property("payment_id").AsText();
        if (string.IsNullOrEmpty(paymentId))
        {
            errors["payment_id"] = FieldErrors.Required();
        }

        var receiverType = body.Property("ebarimt_receiver_type").AsText();
        if (string.IsNullOrEmpty(receiverType))
        {
            errors["ebarimt_receiver_type"] = FieldErrors.Required();
        }
        else if (receiverType is not ("CITIZEN" or "COMPANY"))
        {
            errors["ebarimt_receiver_type"] = FieldErrors.Invalid();
        }

        var receiver = body.Property("ebarimt_receiver").AsText() ?? "";
        if (receiverType == "COMPANY" && receiver.Length == 0)
        {
            errors["ebarimt_receiver"] = FieldErrors.Required();
        }

        var districtCode = body.Property("district_code").AsText();
        if (districtCode is not null && (districtCode.Length != 4 || !districtCode.All(char.IsAsciiDigit)))
        {
            errors["district_code"] = FieldErrors.Invalid();
        }

        var classificationCode = body.Property("classification_code").AsText();
        if (classificationCode is not null && (classificationCode.Length != 7 || !classificationCode.All(char.IsAsciiDigit)))
        {
            errors["classification_code"] = FieldErrors.Invalid();
        }

        if (errors.Count > 0)
        {
            return QPayErrors.Validation(errors);
        }

        if (!options.EbarimtRegistered)
        {
            return QPayErrors.Error(StatusCodes.Status400BadRequest, "EBARIMT_NOT_REGISTERED");
        }

        if (state.FindPayment(paymentId!) is not { } payment)
        {
            return QPayErrors.PaymentNotFound();
        }

        if (payment.Status != SandboxPaymentStatus.Paid)
        {
            return QPayErrors.Error(StatusCodes.Status400BadRequest, "PAYMENT_NOT_PAID");
        }

        var invoice = state.FindInvoice(payment.InvoiceId);
        var receipt = state.AddReceipt(new EbarimtReceipt
        {
            Id = Ids.Uuid(),
            PaymentId = payment.PaymentId,
            InvoiceId = payment.InvoiceId,
            PaidBy = payment.Type.ToWire(),
            ReceiverType = receiverType!,
            Receiver = receiver,
            DistrictCode = districtCode ?? DefaultDistrictCode,
            ClassificationCode = classificationCode,
            MerchantBranchCode = invoice?.SenderBranchCode ?? "",
            Amount = payment.Amount,
            VatAmount = EbarimtTax.Vat(payment.Amount),
            CityTaxAmount = EbarimtTax.CityTax,
            QrData = Ids.Digits(20),
            Lottery = $"{(char)('A' + Random.Shared.Next(26))}{(char)('A' + Random.Shared.Next(26))} {Ids.Digits(8)}",
            ReceiptId = "0" + MerchantTin + Ids.Digits(21),
            Status = "REGISTERED",
            StatusDate = options.Clock.GetUtcNow(),
        });
        return Results.Json(Body(receipt), SandboxJson.QPay);
    }

    /// <summary>Cancels the payment's e-receipt: answers it as CANCELED; a second cancel is 422 BARIMT_NOT_FOUND.</summary>
    public static IResult Cancel(string paymentId, SandboxState state, SandboxOptions options) =>
        state.RemoveReceipt(paymentId) is { } receipt
            ? Results.Json(Body(receipt with { Status = "CANCELED", StatusDate = options.Clock.GetUtcNow() }), SandboxJson.QPay)
            : QPayErrors.Error(StatusCodes.Status422UnprocessableEntity, "BARIMT_NOT_FOUND");

    private static EbarimtBody Body(EbarimtReceipt receipt) => new(
        receipt.Id,
        "QPAY",
        receipt.ReceiverType,
        receipt.Receiver,
        receipt.DistrictCode,
        receipt.MerchantBranchCode,
        "online",
        MerchantRegisterNo,
        receipt.PaymentId,
        receipt.PaidBy,
        "INVOICE",
        receipt.InvoiceId,
        Money.Text(receipt.Amount),
        Money.Text(receipt.VatAmount),
        Money.Text(receipt.CityTaxAmount),
        receipt.QrData,
        receipt.Lottery,
        receipt.Status,
        Money.Date(receipt.StatusDate),
        receipt.ReceiverType == "CITIZEN" ? MaskPhone(receipt.Receiver) : null,
        EbarimtTax.VatableTaxType,
        MerchantTin,
        receipt.ReceiptId,
        true);

    /// <summary>QPay masks the citizen's phone as in <c>88*144*0</c>.</summary>
    private static string MaskPhone(string phone) =>
        phone.Length < 4 ? phone : string.Concat(phone[..2], "*", phone[3..^2], "*", phone[^1..]);
}
