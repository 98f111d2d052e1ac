using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace QPay.Functions.Functions.Http;

/// <summary>
/// Reads a JSON request body of at most <see cref="MaxBytes"/> (413 beyond), answering a 400 that
/// names the field (JSON path) when the JSON is broken or a value has the wrong type.
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;
    private const int MaxDepth = 16;

    public static async Task<(T? Value, IActionResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }

        // Only JSON: a form post from another site (cookie-authenticated) is refused before it is read.
        if (!IsJson(request.ContentType))
        {
            return (null, ApiError.Result(StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json."));
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > MaxBytes)
            {
                return (null, TooLarge());
            }
        }

        if (buffer.WrittenCount == 0)
        {
            return (null, ApiError.Result(StatusCodes.Status400BadRequest, "MALFORMED_JSON", "The request body is empty; a JSON object is required."));
        }

        try
        {
            var reader = new Utf8JsonReader(buffer.WrittenSpan, new JsonReaderOptions { MaxDepth = MaxDepth });
            var value = JsonSerializer.Deserialize(ref reader, typeInfo);
            return value is null
                ? (null, ApiError.Result(StatusCodes.Status400BadRequest, "MALFORMED_JSON", "The request body must be a JSON object, not null."))
                : (value, null);
        }
        catch (JsonException exception)
        {
            var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? null : exception.Path.TrimStart('$', '.');
            var message = field is null
                ? $"The request body is not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1})."
                : $"{field} has a value of the wrong type or is not valid JSON.";
            return (null, ApiError.Result(StatusCodes.Status400BadRequest, "MALFORMED_JSON", message, field));
        }
    }

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static IActionResult TooLarge() =>
        ApiError.Result(StatusCodes.Status413PayloadTooLarge, "BODY_TOO_LARGE", $"The request body exceeds {MaxBytes / 1024} KB.");
}
