using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace QPay.Sandbox.Auth;

/// <summary>Writes compact HS256 JWTs (header <c>{"alg":"HS256","typ":"JWT"}</c>), as QPay's tokens are.</summary>
internal static class Jwt
{
    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    public static string Sign(IReadOnlyDictionary<string, object> claims, byte[] key)
    {
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signingInput = $"{Header}.{payload}";
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }
}
