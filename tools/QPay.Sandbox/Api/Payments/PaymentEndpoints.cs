using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Api.Contracts;
using QPay.Sandbox.Json;
using QPay.Sandbox.State;

namespace QPay.Sandbox.Api.Payments;

/// <summary><c>POST /v2/payment/check</c>, <c>GET /v2/payment/{id}</c>, cancel, refund and <c>POST /v2/payment/list</c>.</summary>
internal static class PaymentEndpoints
{
    private static readonly string[] CheckObjectTypes = ["INVOICE", "QR", "ITEM"];
    private static readonly string[] ListObjectTypes = ["MERCHANT", "INVOICE", "QR"];

    public static async Task<IResult> CheckAsync(HttpRequest request, SandboxState state, CancellationToken cancellationToken)
    {
        var (ok, body) = await JsonBody.ReadAsync(request, cancellationToken);
        if (!ok)
        {
            return QPayErrors.MalformedBody();
        }

        var (paging, errors) = Paging.Read(body);
        var (objectType, objectId) = ReadObject(body, CheckObjectTypes, errors);
        if (errors.Count > 0)
        {
            return QPayErrors.Validation(errors);
        }

        if (objectType == "ITEM")
        {
            return Results.Json(new PaymentCheckBody(0, 0, []), SandboxJson.QPay);
        }

        var invoice = objectType == "QR" ? state.FindInvoiceByQrText(objectId!) : state.FindInvoice(objectId!);
        if (invoice is null)
        {
            return QPayErrors.InvoiceNotFound();
        }

        var rows = paging!.Apply(invoice.Payments).Select(PaymentViews.CheckRow).ToList();
        return Results.Json(new PaymentCheckBody(invoice.Payments.Count, Money.Number(invoice.PaidAmount), rows), SandboxJson.QPay);
    }

    public static IResult Get(string paymentId, SandboxState state) =>
        state.FindPayment(paymentId) is { } payment
            ? Results.Json(PaymentViews.Body(payment), SandboxJson.QPay)
            : QPayErrors.PaymentNotFound();

    /// <summary>Cancel and refund behave alike: card payments become REFUNDED, bank transfers are settled.</summary>
    public static async Task<IResult> CancelAsync(string paymentId, HttpRequest request, SandboxState state, CancellationToken cancellationToken)
    {
        var (ok, _) = await JsonBody.ReadAsync(request, cancellationToken);
        if (!ok)
        {
            return QPayErrors.MalformedBody();
        }

        return state.CancelPayment(paymentId) switch
        {
            PaymentCancelOutcome.Refunded => Results.Json(new { }, SandboxJson.QPay),
            PaymentCancelOutcome.Settled => QPayErrors.Error(StatusCodes.Status400BadRequest, "PAYMENT_SETTLED"),
            PaymentCancelOutcome.AlreadyCanceled => QPayErrors.Error(StatusCodes.Status400BadRequest, "PAYMENT_ALREADY_CANCELED"),
            _ => QPayErrors.PaymentNotFound(),
        };
    }

    public static async Task<IResult> ListAsync(HttpRequest request, SandboxState state, CancellationToken cancellationToken)
    {
        var (ok, body) = await JsonBody.ReadAsync(request, cancellationToken);
        if (!ok)
        {
            return QPayErrors.MalformedBody();
        }

        var (paging, errors) = Paging.Read(body);
        var (objectType, objectId) = ReadObject(body, ListObjectTypes, errors);
        var from = ListDate(body, "start_date", errors);
        var to = ListDate(body, "end_date", errors);
        if (errors.Count > 0)
        {
            return QPayErrors.Validation(errors);
        }

        var branch = body.Property("merchant_branch_code").AsText();
        var payments = state.Invoices
            .Where(i => objectType switch
            {
                "INVOICE" => i.InvoiceId == objectId || i.InvoiceCode == objectId,
                "QR" => i.QrText == objectId,
                _ => true,
            })
            .Where(i => branch is null || i.SenderBranchCode == branch)
            .SelectMany(i => i.Payments.Select(p => (Payment: p, Invoice: i)))
            .Where(x => (from is null || x.Payment.PaidAt >= from) && (to is null || x.Payment.PaidAt <= to))
            .OrderBy(x => x.Payment.PaidAt)
            .ToList();
        var rows = paging!.Apply(payments).Select(x => PaymentViews.ListRow(x.Payment, x.Invoice)).ToList();
        return Results.Json(new PaymentListBody(payments.Count, rows), SandboxJson.QPay);
    }

    private static (string? ObjectType, string? ObjectId) ReadObject(JsonElement? body, string[] allowedTypes, Dictionary<string, FieldError> errors)
    {
        var objectType = body.Property("object_type").AsText();
        if (string.IsNullOrEmpty(objectType))
        {
            errors["object_type"] = FieldErrors.Required();
        }
        else if (!allowedTypes.Contains(objectType, StringComparer.Ordinal))
        {
            errors["object_type"] = FieldErrors.Invalid();
        }

        var objectId = body.Property("object_id").AsText();
        if (string.IsNullOrEmpty(objectId))
        {
            errors["object_id"] = FieldErrors.Required();
        }

        return (objectType, objectId);
    }

    /// <summary>List filters come as <c>"YYYY-MM-DD HH:mm:ss"</c> (UTC here) or ISO-8601.</summary>
    private static DateTimeOffset? ListDate(JsonElement? body, string field, Dictionary<string, FieldError> errors)
    {
        if (body.Property(field).AsText() is not { Length: > 0 } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return parsed;
        }

        errors[field] = FieldErrors.Invalid();
        return null;
    }
}
