namespace QPay.Sandbox.Qr;

/// <summary>One entry of the invoice's <c>urls</c>: a bank app and its deeplink.</summary>
internal sealed record BankLink(string Name, string Description, string Logo, string Link);

/// <summary>The 13 bank apps QPay lists in production, in its order; <c>link</c> is <c>&lt;scheme&gt;://q?qPay_QRcode=&lt;qr_text&gt;</c>.</summary>
internal static class BankLinks
{
    private static readonly (string Name, string Description, string Logo, string Scheme)[] Banks =
    [
        ("qPay wallet", "qPay хэтэвч", "https://s3.qpay.mn/p/e9bbdc69-3544-4c2f-aff0-4c292bc094f6/launcher-icon-ios.jpg", "qpaywallet"),
        ("Khan bank", "Хаан банк", "https://qpay.mn/q/logo/khanbank.png", "khanbank"),
        ("State bank", "Төрийн банк", "https://qpay.mn/q/logo/statebank.png", "statebank"),
        ("Xac bank", "Хас банк", "https://qpay.mn/q/logo/xacbank.png", "xacbank"),
        ("Trade and Development bank", "TDB online", "https://qpay.mn/q/logo/tdbbank.png", "tdbbank"),
        ("Most money", "МОСТ мони", "https://qpay.mn/q/logo/most.png", "most"),
        ("National investment bank", "Үндэсний хөрөнгө оруулалтын банк", "https://qpay.mn/q/logo/nibank.jpeg", "nibank"),
        ("Chinggis khaan bank", "Чингис Хаан банк", "https://qpay.mn/q/logo/ckbank.png", "ckbank"),
        ("Capitron bank", "Капитрон банк", "https://qpay.mn/q/logo/capitronbank.png", "capitronbank"),
        ("Bogd bank", "Богд банк", "https://qpay.mn/q/logo/bogdbank.png", "bogdbank"),
        ("Trans bank", "Тээвэр хөгжлийн банк", "https://qpay.mn/q/logo/transbank.png", "transbank"),
        ("M bank", "М банк", "https://qpay.mn/q/logo/mbank.png", "mbank"),
        ("Ard App", "Ард Апп", "https://qpay.mn/q/logo/ardapp.png", "ard"),
    ];

    public static IReadOnlyList<BankLink> For(string qrText) =>
        Banks.Select(b => new BankLink(b.Name, b.Description, b.Logo, $"{b.Scheme}://q?qPay_QRcode={qrText}")).ToList();
}
