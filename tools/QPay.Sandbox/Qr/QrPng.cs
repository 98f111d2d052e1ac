using QRCoder;

namespace QPay.Sandbox.Qr;

/// <summary>Renders a QR code as the base64 PNG of <c>qr_image</c>: no <c>data:</c> prefix.</summary>
internal static class QrPng
{
    private const int PixelsPerModule = 4;

    public static string Base64(string text) =>
        Convert.ToBase64String(PngByteQRCodeHelper.GetQRCode(text, QRCodeGenerator.ECCLevel.M, PixelsPerModule));
}
