using System.Globalization;
using System.Text;

namespace QPay.Sandbox.Qr;

/// <summary>
/// Builds an EMVCo merchant-presented QR payload like QPay's <c>qr_text</c>: dynamic (<c>010212</c>),
/// MNT (<c>5303496</c>), Mongolia (<c>5802MN</c>), ending with tag 63 holding the CRC16 of everything before it.
/// </summary>
internal static class EmvQr
{
    private const string MerchantName = "QPAYSANDBOX";
    private const string MerchantCity = "Ulaanbaatar";

    public static string Build(string merchantId, string invoiceId, decimal amount, string senderInvoiceNo)
    {
        var payload = new StringBuilder();
        Append(payload, "00", "01");
        Append(payload, "01", "12");
        Append(payload, "26", Tlv("00", "mn.qpay") + Tlv("01", Clean(merchantId, 20)) + Tlv("02", invoiceId.Replace("-", "", StringComparison.Ordinal)));
        Append(payload, "52", "5999");
        Append(payload, "53", "496");
        Append(payload, "54", amount.ToString("0.##", CultureInfo.InvariantCulture));
        Append(payload, "58", "MN");
        Append(payload, "59", MerchantName);
        Append(payload, "60", MerchantCity);
        var billNumber = Clean(senderInvoiceNo, 25);
        if (billNumber.Length > 0)
        {
            Append(payload, "62", Tlv("01", billNumber));
        }

        payload.Append("6304");
        payload.Append(Crc16Ccitt.Compute(payload.ToString()).ToString("X4", CultureInfo.InvariantCulture));
        return payload.ToString();
    }

    private static void Append(StringBuilder payload, string tag, string value) => payload.Append(Tlv(tag, value));

    private static string Tlv(string tag, string value) =>
        value.Length is > 0 and <= 99
            ? tag + value.Length.ToString("00", CultureInfo.InvariantCulture) + value
            : throw new ArgumentException($"EMV tag {tag} needs 1 to 99 characters, got {value.Length}.", nameof(value));

    /// <summary>Letters and digits only (so the text can go into a deeplink unescaped), at most <paramref name="max"/>.</summary>
    private static string Clean(string text, int max)
    {
        var kept = new string(text.Where(char.IsAsciiLetterOrDigit).ToArray());
        return kept.Length <= max ? kept : kept[..max];
    }
}
