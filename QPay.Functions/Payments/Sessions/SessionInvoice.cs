using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// What QPay answered for the session's invoice and a page needs to show it again after a reload:
/// the QR (text and image), the short URL and the bank apps' deeplinks. The invoice id is the
/// session's <see cref="PaymentSession.InvoiceId"/>. <see cref="QrImage"/> is null when it was too
/// large to store (<see cref="SessionEntity"/>).
/// </summary>
public sealed record SessionInvoice(
    [property: JsonPropertyName("qrText")] string QrText,
    [property: JsonPropertyName("qrImage")] string? QrImage,
    [property: JsonPropertyName("shortUrl")] string? ShortUrl,
    [property: JsonPropertyName("deeplinks")] IReadOnlyList<SessionDeeplink> Deeplinks);

public sealed record SessionDeeplink(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("logo")] string? Logo,
    [property: JsonPropertyName("link")] string Link);
