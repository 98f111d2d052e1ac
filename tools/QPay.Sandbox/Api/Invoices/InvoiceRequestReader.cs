using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using QPay.Sandbox.Json;
using QPay.Sandbox.Qr;
using QPay.Sandbox.State;

namespace QPay.Sandbox.Api.Invoices;

/// <summary>
/// Turns a <c>POST /v2/invoice</c> body into a new invoice, or into the field errors of QPay's nested 400.
/// Checks required fields, lengths (QPay's table), the invoice code, amount-or-lines and the callback URL.
/// </summary>
internal static class InvoiceRequestReader
{
    public static (SandboxInvoice? Invoice, IReadOnlyDictionary<string, FieldError> Errors) Read(JsonElement? body, SandboxOptions options)
    {
        var errors = new Dictionary<string, FieldError>(StringComparer.Ordinal);

        var invoiceCode = Text(body, "invoice_code", 45, required: true, errors);
        if (invoiceCode is not null && !string.Equals(invoiceCode, options.InvoiceCode, StringComparison.Ordinal))
        {
            errors["invoice_code"] = FieldErrors.Invalid();
        }

        var senderInvoiceNo = Text(body, "sender_invoice_no", 45, required: true, errors);
        var receiverCode = Text(body, "invoice_receiver_code", 45, required: true, errors);
        var description = Text(body, "invoice_description", 255, required: true, errors);
        var branchCode = Text(body, "sender_branch_code", 45, required: false, errors);
        var staffCode = Text(body, "sender_staff_code", 100, required: false, errors);
        var terminalCode = Text(body, "sender_terminal_code", 45, required: false, errors);
        var note = Text(body, "note", 1000, required: false, errors);
        var lines = ReadLines(body.Property("lines"), errors);

        decimal? amount = null;
        if (body.Property("amount") is { } amountElement)
        {
            amount = Amount(amountElement, "amount", errors);
        }
        else if (lines is null && !errors.Keys.Any(k => k.StartsWith("lines", StringComparison.Ordinal)))
        {
            errors["amount"] = FieldErrors.Required();
        }

        var callbackUrl = Text(body, "callback_url", 255, required: lines is null, errors);
        if (callbackUrl is not null && !IsHttpUrl(callbackUrl))
        {
            errors["callback_url"] = FieldErrors.Invalid();
        }

        var minimum = body.Property("minimum_amount") is { } min ? Amount(min, "minimum_amount", errors) : null;
        var maximum = body.Property("maximum_amount") is { } max ? Amount(max, "maximum_amount", errors) : null;

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var now = options.Clock.GetUtcNow();
        var invoiceId = Ids.Uuid();
        lines ??= [SimpleLine(description!, amount!.Value)];
        var gross = lines.Value.Sum(l => l.Quantity * l.UnitPrice);
        var discount = lines.Value.Sum(l => SumAmounts(l.Discounts));
        var surcharge = lines.Value.Sum(l => SumAmounts(l.Surcharges));
        var tax = lines.Value.Sum(l => SumAmounts(l.Taxes));
        var total = body.Property("lines") is null ? amount!.Value : gross + tax + surcharge - discount;
        if (total <= 0)
        {
            return (null, new Dictionary<string, FieldError> { ["amount"] = FieldErrors.MinNumber(1) });
        }

        var invoice = new SandboxInvoice
        {
            InvoiceId = invoiceId,
            InvoiceCode = invoiceCode!,
            SenderInvoiceNo = senderInvoiceNo!,
            InvoiceReceiverCode = receiverCode!,
            InvoiceDescription = description!,
            SenderBranchCode = branchCode,
            SenderStaffCode = staffCode,
            SenderTerminalCode = terminalCode,
            Amount = total,
            GrossAmount = gross,
            TaxAmount = tax,
            SurchargeAmount = surcharge,
            DiscountAmount = discount,
            CallbackUrl = callbackUrl,
            Note = note,
            InvoiceDueDate = Date(body.Property("invoice_due_date").AsText()),
            EnableExpiry = body.Property("enable_expiry").AsBool() ?? false,
            ExpiryDate = ParseDate(body.Property("expiry_date").AsText()) ?? now.AddDays(1),
            AllowPartial = body.Property("allow_partial").AsBool() ?? false,
            MinimumAmount = minimum,
            AllowExceed = body.Property("allow_exceed").AsBool() ?? false,
            MaximumAmount = maximum,
            Lines = lines.Value,
            QrText = EmvQr.Build(options.MerchantId, invoiceId, total, senderInvoiceNo!),
            ShortUrl = "https://s.qpay.mn/" + Ids.Alnum(10),
            CreatedAt = now,
        };
        return (invoice, errors);
    }

    private static string? Text(JsonElement? body, string field, int maxLength, bool required, Dictionary<string, FieldError> errors)
    {
        var value = body.Property(field).AsText();
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errors[field] = FieldErrors.Required();
            }

            return null;
        }

        if (value.Length > maxLength)
        {
            errors[field] = FieldErrors.MaxLength(maxLength);
            return null;
        }

        return value;
    }

    private static decimal? Amount(JsonElement element, string field, Dictionary<string, FieldError> errors)
    {
        if (!((JsonElement?)element).TryDecimal(out var value))
        {
            errors[field] = FieldErrors.Number();
            return null;
        }

        if (value < 1)
        {
            errors[field] = FieldErrors.MinNumber(1);
            return null;
        }

        return value;
    }

    private static ImmutableArray<SandboxInvoiceLine>? ReadLines(JsonElement? element, Dictionary<string, FieldError> errors)
    {
        if (element is null)
        {
            return null;
        }

        if (element.Value.ValueKind != JsonValueKind.Array || element.Value.GetArrayLength() == 0)
        {
            errors["lines"] = FieldErrors.Invalid();
            return null;
        }

        var lines = ImmutableArray.CreateBuilder<SandboxInvoiceLine>();
        var index = 0;
        foreach (var item in element.Value.EnumerateArray())
        {
            JsonElement? line = item;
            var prefix = string.Create(CultureInfo.InvariantCulture, $"lines[{index++}].");
            var scoped = new Dictionary<string, FieldError>(StringComparer.Ordinal);
            var description = Text(line, "line_description", 255, required: true, scoped);
            var quantity = LineNumber(line, "line_quantity", scoped);
            var unitPrice = LineNumber(line, "line_unit_price", scoped);
            foreach (var (key, error) in scoped)
            {
                errors[prefix + key] = error;
            }

            if (description is not null && quantity is not null && unitPrice is not null)
            {
                lines.Add(new SandboxInvoiceLine
                {
                    TaxProductCode = line.Property("tax_product_code").AsText(),
                    LineDescription = description,
                    Quantity = quantity.Value,
                    UnitPrice = unitPrice.Value,
                    Note = line.Property("note").AsText() ?? "",
                    Discounts = ArrayOrNull(line.Property("discounts")),
                    Surcharges = ArrayOrNull(line.Property("surcharges")),
                    Taxes = ArrayOrNull(line.Property("taxes")),
                });
            }
        }

        return lines.Count == element.Value.GetArrayLength() ? lines.ToImmutable() : null;
    }

    private static decimal? LineNumber(JsonElement? line, string field, Dictionary<string, FieldError> errors)
    {
        if (line.Property(field) is not { } element)
        {
            errors[field] = FieldErrors.Required();
            return null;
        }

        if (!((JsonElement?)element).TryDecimal(out var value) || value < 0)
        {
            errors[field] = FieldErrors.Number();
            return null;
        }

        return value;
    }

    private static SandboxInvoiceLine SimpleLine(string description, decimal amount) => new()
    {
        LineDescription = description,
        Quantity = 1,
        UnitPrice = amount,
    };

    private static JsonElement? ArrayOrNull(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Array } array ? array.Clone() : null;

    private static decimal SumAmounts(JsonElement? items)
    {
        if (items is not { ValueKind: JsonValueKind.Array } array)
        {
            return 0;
        }

        var sum = 0m;
        foreach (var item in array.EnumerateArray())
        {
            if (((JsonElement?)item).Property("amount").TryDecimal(out var value))
            {
                sum += value;
            }
        }

        return sum;
    }

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static DateTimeOffset? ParseDate(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : null;

    private static string? Date(string? text) => ParseDate(text) is { } parsed ? Money.Date(parsed) : text;
}
