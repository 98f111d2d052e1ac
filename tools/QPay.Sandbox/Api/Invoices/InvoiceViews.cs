using System.Text.Json;
using QPay.Sandbox.Api.Contracts;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Api.Invoices;

/// <summary>Renders a stored invoice as <c>GET /v2/invoice/{id}</c> answers it.</summary>
internal static class InvoiceViews
{
    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement.Clone();

    public static InvoiceBody Body(SandboxInvoice invoice) => new()
    {
        InvoiceId = invoice.InvoiceId,
        InvoiceStatus = invoice.Status.ToWire(),
        SenderInvoiceNo = invoice.SenderInvoiceNo,
        SenderBranchCode = invoice.SenderBranchCode,
        SenderStaffCode = invoice.SenderStaffCode,
        SenderTerminalCode = invoice.SenderTerminalCode,
        InvoiceDescription = invoice.InvoiceDescription,
        InvoiceDueDate = invoice.InvoiceDueDate,
        EnableExpiry = invoice.EnableExpiry,
        ExpiryDate = Money.Date(invoice.ExpiryDate),
        AllowPartial = invoice.AllowPartial,
        MinimumAmount = invoice.MinimumAmount is { } min ? Money.Text(min) : null,
        AllowExceed = invoice.AllowExceed,
        MaximumAmount = invoice.MaximumAmount is { } max ? Money.Text(max) : null,
        TotalAmount = Money.Text(invoice.Amount),
        GrossAmount = Money.Number(invoice.GrossAmount),
        TaxAmount = Money.Number(invoice.TaxAmount),
        SurchargeAmount = Money.Number(invoice.SurchargeAmount),
        DiscountAmount = Money.Number(invoice.DiscountAmount),
        CallbackUrl = invoice.CallbackUrl,
        Note = invoice.Note,
        Lines = invoice.Lines.Select(l => new InvoiceLineBody(
            l.TaxProductCode,
            l.LineDescription,
            Money.Text(l.Quantity),
            Money.Text(l.UnitPrice),
            l.Note,
            l.Discounts ?? EmptyArray,
            l.Surcharges ?? EmptyArray,
            l.Taxes ?? EmptyArray)).ToList(),
    };
}
