using System.Net;

namespace QPay.Functions.QPayApi;

/// <summary>
/// A QPay call that did not succeed: QPay's HTTP status and error code when it answered, or none
/// when it did not (timeout, connection failure). <see cref="IsAmbiguous"/> marks a failure after
/// which QPay may or may not have acted (it matters for invoice creation).
/// </summary>
public sealed class QPayApiException : Exception
{
    public QPayApiException(string endpoint, HttpStatusCode? statusCode, string? errorCode, string? errorField, string? qpayMessage, Exception? inner = null)
        : base(Describe(endpoint, statusCode, errorCode, errorField, qpayMessage, inner), inner)
    {
        Endpoint = endpoint;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ErrorField = errorField;
    }

    /// <summary>The endpoint key, e.g. <c>invoice.create</c>.</summary>
    public string Endpoint { get; }

    /// <summary>QPay's HTTP status; null when QPay never answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>QPay's error code (<c>SYSTEM_BUSY</c>, <c>INVOICE_NOTFOUND</c>, <c>MIN_NUMBER</c>…), or <c>TIMEOUT</c>/<c>UNREACHABLE</c>.</summary>
    public string? ErrorCode { get; }

    /// <summary>The field a nested validation error names (e.g. <c>page_limit</c>).</summary>
    public string? ErrorField { get; }

    /// <summary>True when QPay may have acted although the call failed (no answer, or a 5xx).</summary>
    public bool IsAmbiguous => StatusCode is null || (int)StatusCode >= 500;

    /// <summary>QPay rejected the credentials or token (its code is spelled both ways).</summary>
    public bool IsAuthenticationError =>
        StatusCode == HttpStatusCode.Unauthorized || ErrorCode is "NO_CREDENDIALS" or "NO_CREDENTIALS" or "AUTHENTICATION_FAILED";

    /// <summary>QPay's answer to a cancel of an invoice that is already cancelled or unknown: nothing is payable any more.</summary>
    public bool IsInvoiceGone => ErrorCode is "INVOICE_ALREADY_CANCELED" or "INVOICE_NOTFOUND";

    /// <summary>QPay's answer to the refund of a bank-app payment: it cannot be reversed by API, only by a transfer.</summary>
    public bool IsPaymentSettled => ErrorCode is "PAYMENT_SETTLED";

    /// <summary>QPay has no e-receipt for the payment (cancelled already, or never issued).</summary>
    public bool IsReceiptGone => ErrorCode is "BARIMT_NOT_FOUND";

    private static string Describe(string endpoint, HttpStatusCode? status, string? code, string? field, string? message, Exception? inner)
    {
        var what = status is { } s ? $"HTTP {(int)s}" : $"no answer ({inner?.GetType().Name ?? "unknown"})";
        var detail = code is null ? string.Empty : field is null ? $" {code}" : $" {code} ({field})";
        var text = string.IsNullOrWhiteSpace(message) || message == code ? string.Empty : $": {message}";
        return $"QPay {endpoint} failed: {what}{detail}{text}";
    }
}
