using System.Security.Cryptography;

namespace QPay.Sandbox.State;

/// <summary>Random identifiers in QPay's formats.</summary>
internal static class Ids
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Uuid() => Guid.NewGuid().ToString("D");

    /// <summary>A bank-transfer payment id: 15 digits, so about one in ten starts with 0.</summary>
    public static string P2PPaymentId() => Digits(15);

    public static string Digits(int length) => RandomNumberGenerator.GetString("0123456789", length);

    public static string Alnum(int length) => RandomNumberGenerator.GetString(Alphanumeric, length);
}
