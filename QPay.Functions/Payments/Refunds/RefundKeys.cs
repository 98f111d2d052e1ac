using System.Security.Cryptography;
using System.Text;
using QPay.Functions.Security;

namespace QPay.Functions.Payments.Refunds;

/// <summary>
/// Row keys of the Refunds ledger and the public refund id, <c>&lt;sessionId&gt;~&lt;row key&gt;</c>:
/// '~' is in no identifier, so the id names its row without a lookup table.
/// </summary>
public static class RefundKeys
{
    public const string Plan = "plan";
    public const string Excess = "excess";
    private const char Separator = '~';

    private const string PaymentPrefix = "payment-";
    private const string SharePrefix = "shop-";

    public static string Payment(string paymentId) =>
        PaymentPrefix + (Identifiers.IsValid(paymentId) ? paymentId : "h" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(paymentId)).AsSpan(0, 16)));

    public static string Share(string shopId) => SharePrefix + shopId;

    public static string RefundId(string sessionId, string key) => sessionId + Separator + key;

    public static bool TryParse(string? refundId, out string sessionId, out string key)
    {
        sessionId = key = string.Empty;
        var at = refundId?.IndexOf(Separator) ?? -1;
        if (at <= 0 || at == refundId!.Length - 1)
        {
            return false;
        }

        sessionId = refundId[..at];
        key = refundId[(at + 1)..];
        return Identifiers.IsValid(sessionId)
            && (key == Excess
                || (key.StartsWith(PaymentPrefix, StringComparison.Ordinal) && Identifiers.IsValid(key[PaymentPrefix.Length..]))
                || (key.StartsWith(SharePrefix, StringComparison.Ordinal) && Identifiers.IsValid(key[SharePrefix.Length..])));
    }
}

/// <summary>Why money goes back: the codes an operator may give, and those the system uses itself.</summary>
public static class RefundReasons
{
    public const string CustomerRequest = "CUSTOMER_REQUEST";
    public const string OrderCancelled = "ORDER_CANCELLED";
    public const string Duplicate = "DUPLICATE";
    public const string Fraud = "FRAUD";
    public const string Other = "OTHER";

    /// <summary>Paid beyond the invoice amount: the excess goes back.</summary>
    public const string Overpayment = "OVERPAYMENT";

    /// <summary>Paid in part, then the session expired or was cancelled: the partial payments go back.</summary>
    public const string Underpaid = "UNDERPAID";

    /// <summary>Paid after expiry or cancel under LATE_PAYMENT_POLICY=refund.</summary>
    public const string LatePayment = "LATE_PAYMENT";

    /// <summary>What the refund route accepts (the others are the system's own).</summary>
    public static readonly IReadOnlyList<string> Requestable = [CustomerRequest, OrderCancelled, Duplicate, Fraud, Other];
}
