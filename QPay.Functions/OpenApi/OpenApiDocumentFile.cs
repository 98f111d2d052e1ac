using System.Security.Cryptography;

namespace QPay.Functions.OpenApi;

/// <summary>
/// The API's OpenAPI 3.1 document, <c>openapi.json</c> beside this file, embedded in the assembly.
/// It is written by hand as JSON rather than built from Microsoft.OpenApi models: one file reads like
/// the README's table and a diff of it is a diff of the contract. The tests keep it true: it parses
/// with no error or warning, lists exactly the routes of functions.metadata, and real answers
/// validate against its schemas. Read once; the ETag is a hash of the bytes.
/// </summary>
public sealed class OpenApiDocumentFile
{
    public const string ResourceName = "QPay.Functions.OpenApi.openapi.json";

    private static readonly Lazy<OpenApiDocumentFile> Embedded = new(Load);

    private OpenApiDocumentFile(byte[] content)
    {
        Content = content;
        ETag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..32]}\"";
    }

    public static OpenApiDocumentFile Instance => Embedded.Value;

    public byte[] Content { get; }

    /// <summary>A strong entity tag (quoted): the document changes only with a new build.</summary>
    public string ETag { get; }

    private static OpenApiDocumentFile Load()
    {
        using var stream = typeof(OpenApiDocumentFile).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new OpenApiDocumentFile(copy.ToArray());
    }
}
