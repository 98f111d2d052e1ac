using System.Text.Json;
using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Callbacks;
using QPay.Sandbox.Json;
using QPay.Sandbox.State;

namespace QPay.Sandbox.Control;

/// <summary>
/// <c>POST /sandbox/invoices/{invoiceId}/pay</c> with an optional
/// <c>{amount, type: "P2P"|"CARD", callback: true|false, duplicates: n, paymentId, evenIfCanceled: true|false}</c>:
/// records a payment (what is left to pay by default) and, unless told not to, calls the merchant back, plus
/// duplicates. <c>evenIfCanceled</c> takes a payment on a cancelled invoice, as when a payment races the cancel.
/// </summary>
internal static class PayEndpoint
{
    public static async Task<IResult> PayAsync(
        string invoiceId, HttpRequest request, SandboxState state, CallbackSender callbacks, SandboxOptions options, CancellationToken cancellationToken)
    {
        var (ok, body) = await JsonBody.ReadAsync(request, cancellationToken);
        if (!ok || body is { ValueKind: not JsonValueKind.Object })
        {
            return ControlResults.BadRequest("The body must be a JSON object (or empty).");
        }

        decimal? amount = null;
        if (body.Property("amount") is { } amountElement)
        {
            if (!((JsonElement?)amountElement).TryDecimal(out var value) || value <= 0)
            {
                return ControlResults.BadRequest("amount must be a number greater than 0.");
            }

            amount = value;
        }

        var type = SandboxPaymentType.P2P;
        if (body.Property("type").AsText() is { } typeText)
        {
            switch (typeText.ToUpperInvariant())
            {
                case "P2P":
                    type = SandboxPaymentType.P2P;
                    break;
                case "CARD":
                    type = SandboxPaymentType.Card;
                    break;
                default:
                    return ControlResults.BadRequest("type must be P2P or CARD.");
            }
        }

        var sendCallback = true;
        if (body.Property("callback") is { } callbackElement)
        {
            if (((JsonElement?)callbackElement).AsBool() is not { } flag)
            {
                return ControlResults.BadRequest("callback must be true or false.");
            }

            sendCallback = flag;
        }

        var duplicates = options.DefaultCallbackDuplicates;
        if (body.Property("duplicates") is { } duplicatesElement
            && (!((JsonElement?)duplicatesElement).TryInt(out duplicates) || duplicates is < 0 or > 100))
        {
            return ControlResults.BadRequest("duplicates must be a whole number from 0 to 100.");
        }

        var evenIfCanceled = false;
        if (body.Property("evenIfCanceled") is { } lateElement)
        {
            if (((JsonElement?)lateElement).AsBool() is not { } flag)
            {
                return ControlResults.BadRequest("evenIfCanceled must be true or false.");
            }

            evenIfCanceled = flag;
        }

        var paymentId = body.Property("paymentId").AsText();
        if (paymentId is { Length: 0 })
        {
            return ControlResults.BadRequest("paymentId must not be empty.");
        }

        var result = state.Pay(new PayCommand(invoiceId, amount, type, paymentId, options.Clock.GetUtcNow(), evenIfCanceled));
        switch (result.Outcome)
        {
            case PayOutcome.InvoiceNotFound:
                return ControlResults.NotFound($"No invoice {invoiceId}.");
            case PayOutcome.InvoiceCanceled:
                return ControlResults.Conflict("The invoice is CANCELED.");
            case PayOutcome.NothingLeftToPay:
                return ControlResults.Conflict("The invoice is fully paid; give an amount to pay more.");
            case PayOutcome.PaymentIdTaken:
                return ControlResults.Conflict($"Payment id {paymentId} is taken.");
        }

        var payment = result.Payment!;
        var invoice = result.Invoice!;
        var deliveries = sendCallback && invoice.CallbackUrl is { } callbackUrl
            ? await callbacks.DeliverAsync(callbackUrl, payment.PaymentId, 1 + duplicates, cancellationToken)
            : [];
        var first = deliveries.Count > 0 ? deliveries[0] : null;
        return Results.Json(
            new PayAnswer(
                payment.PaymentId,
                invoice.InvoiceId,
                Money.Number(payment.Amount),
                payment.Type.ToWire(),
                invoice.Status.ToWire(),
                Money.Number(invoice.PaidAmount),
                first?.Status,
                first?.Body,
                deliveries),
            SandboxJson.Control);
    }
}
