using System.Collections.Frozen;
using System.Security.Cryptography;

namespace QPay.Functions.CheckoutWidget;

/// <summary>One file of the checkout page, as served.</summary>
public sealed record CheckoutAsset(string Name, string ContentType, string CacheControl, byte[] Content, string ETag);

/// <summary>
/// The checkout page's files, embedded in the assembly (CheckoutWidget/Assets). Only these names exist:
/// a request for anything else (another name, a path, "..") is not found, so nothing outside them is ever read.
/// </summary>
public static class CheckoutAssets
{
    public const string Page = "index.html";

    // The page itself is revalidated on every load; scripts and styles may be cached a few minutes.
    private const string Revalidate = "no-cache";
    private const string ShortCache = "public, max-age=300";

    private static readonly FrozenDictionary<string, CheckoutAsset> Files = new[]
    {
        Load(Page, "text/html; charset=utf-8", Revalidate),
        Load("widget.js", "text/javascript; charset=utf-8", ShortCache),
        Load("checkout.js", "text/javascript; charset=utf-8", ShortCache),
        Load("checkout.css", "text/css; charset=utf-8", ShortCache),
    }.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => Files.Keys;

    public static CheckoutAsset? Find(string? name) =>
        name is not null && Files.TryGetValue(name, out var asset) ? asset : null;

    private static CheckoutAsset Load(string name, string contentType, string cacheControl)
    {
        using var stream = typeof(CheckoutAssets).Assembly.GetManifestResourceStream($"QPay.Functions.CheckoutWidget.Assets.{name}")
            ?? throw new InvalidOperationException($"The checkout asset {name} is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var content = copy.ToArray();
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"";
        return new CheckoutAsset(name, contentType, cacheControl, content, etag);
    }
}
