using System.Globalization;
using System.Text;

namespace QPay.Functions.Tests.Sandbox;

/// <summary>A test-side reader of EMVCo QR payloads: top-level tags and the tag-63 CRC-16/CCITT-FALSE check.</summary>
internal static class EmvPayload
{
    public static List<(string Tag, string Value)> Tags(string payload)
    {
        var tags = new List<(string, string)>();
        var position = 0;
        while (position < payload.Length)
        {
            var tag = payload.Substring(position, 2);
            var length = int.Parse(payload.AsSpan(position + 2, 2), CultureInfo.InvariantCulture);
            tags.Add((tag, payload.Substring(position + 4, length)));
            position += 4 + length;
        }

        return tags;
    }

    public static bool CrcIsValid(string payload)
    {
        if (payload.Length < 8 || payload[^8..^4] != "6304")
        {
            return false;
        }

        return Crc(payload[..^4]).ToString("X4", CultureInfo.InvariantCulture) == payload[^4..];
    }

    private static int Crc(string text)
    {
        var crc = 0xFFFF;
        foreach (var b in Encoding.ASCII.GetBytes(text))
        {
            crc ^= b << 8;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
            }
        }

        return crc;
    }
}
