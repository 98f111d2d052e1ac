using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Api.Contracts;
using QPay.Sandbox.Json;
using QPay.Sandbox.Qr;
using QPay.Sandbox.State;

namespace QPay.Sandbox.Api.Invoices;

/// <summary><c>POST /v2/invoice</c>, <c>GET /v2/invoice/{id}</c> and <c>DELETE /v2/invoice/{id}</c>.</summary>
internal static class InvoiceEndpoints
{
    public static async Task<IResult> CreateAsync(HttpRequest request, SandboxState state, SandboxOptions options, CancellationToken cancellationToken)
    {
        var (ok, body) = await JsonBody.ReadAsync(request, cancellationToken);
        if (!ok)
        {
            return QPayErrors.MalformedBody();
        }

        var (invoice, errors) = InvoiceRequestReader.Read(body, options);
        if (invoice is null)
        {
            return QPayErrors.Validation(errors);
        }

        if (!state.TryAddInvoice(invoice, options.RejectDuplicateSenderInvoiceNo))
        {
            return QPayErrors.Error(StatusCodes.Status409Conflict, "INVOICE_CODE_REGISTERED");
        }

        var created = new InvoiceCreatedBody(
            invoice.InvoiceId,
            invoice.QrText,
            QrPng.Base64(invoice.QrText),
            invoice.ShortUrl,
            BankLinks.For(invoice.QrText));
        return Results.Json(created, SandboxJson.QPay);
    }

    public static IResult Get(string invoiceId, SandboxState state) =>
        state.FindInvoice(invoiceId) is { } invoice
            ? Results.Json(InvoiceViews.Body(invoice), SandboxJson.QPay)
            : QPayErrors.InvoiceNotFound();

    public static IResult Cancel(string invoiceId, SandboxState state) => state.CancelInvoice(invoiceId) switch
    {
        InvoiceCancelOutcome.Canceled => Results.Json(new { }, SandboxJson.QPay),
        InvoiceCancelOutcome.AlreadyCanceled => QPayErrors.Error(StatusCodes.Status400BadRequest, "INVOICE_ALREADY_CANCELED", QPayErrors.InvoiceAlreadyCanceledText),
        InvoiceCancelOutcome.Paid => QPayErrors.Error(StatusCodes.Status400BadRequest, "INVOICE_PAID"),
        _ => QPayErrors.InvoiceNotFound(),
    };
}
