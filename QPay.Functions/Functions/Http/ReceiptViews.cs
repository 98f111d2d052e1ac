using System.Text.Json.Serialization;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Functions.Http;

/// <summary>
/// A session's e-receipt as the status and ebarimt routes show it to its owner (never the receiver):
/// the first payment's receipt, the amounts of all, and each receipt when there are several.
/// </summary>
public sealed record ReceiptView(
    ReceiptStatus Status,
    string? ReceiptId,
    string? QrData,
    string? Lottery,
    decimal? Amount,
    decimal? VatAmount,
    DateTimeOffset CreatedAt,
    string? LastError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SessionReceiptLine>? Receipts)
{
    public static ReceiptView? From(SessionReceipts? receipts)
    {
        if (receipts is not { Receipts.Count: > 0 })
        {
            return null;
        }

        var first = receipts.Receipts[0];
        return new ReceiptView(
            receipts.Status,
            first.ReceiptId,
            first.QrData,
            first.Lottery,
            Sum(receipts.Receipts.Select(r => r.Amount)),
            Sum(receipts.Receipts.Select(r => r.VatAmount)),
            first.CreatedAt,
            receipts.Receipts.Select(r => r.LastError).FirstOrDefault(e => e is not null),
            receipts.Receipts.Count > 1 ? receipts.Receipts : null);
    }

    private static decimal? Sum(IEnumerable<decimal?> amounts)
    {
        var known = amounts.Where(a => a is not null).ToList();
        return known.Count == 0 ? null : known.Sum();
    }
}
