using System.Text;

namespace QPay.Sandbox.Qr;

/// <summary>CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), the checksum of EMVCo QR tag 63.</summary>
internal static class Crc16Ccitt
{
    public static ushort Compute(string text)
    {
        ushort crc = 0xFFFF;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            crc ^= (ushort)(b << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc;
    }
}
