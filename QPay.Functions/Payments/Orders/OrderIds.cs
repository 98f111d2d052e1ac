using System.Security.Cryptography;
using System.Text;

namespace QPay.Functions.Payments.Orders;

/// <summary>
/// Order ids derive from (invoiceId, shopId), so every retry of order creation writes the same
/// rows, and the webhook can answer the ids before the orders exist.
/// </summary>
public static class OrderIds
{
    public static string For(string invoiceId, string shopId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{invoiceId}\n{shopId}"));
        return "ord_" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    public static IReadOnlyList<string> For(string invoiceId, IEnumerable<string> sellers) =>
        sellers.Select(shop => For(invoiceId, shop)).ToList();
}
