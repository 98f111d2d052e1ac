using System.Globalization;
using System.Text.Json;
using QPay.FunctionsHost.Rpc;

namespace QPay.FunctionsHost.Functions;

/// <summary>
/// Values to and from <c>TypedData</c> the way the Functions host converts them: strings stay
/// strings and everything else travels as JSON (a dequeue count is <c>json:"2"</c>, never
/// <c>TypedData.int</c>, which the .NET worker rejects with "Int is not supported.").
/// </summary>
internal static class TypedDataConvert
{
    public static TypedData String(string value) => new() { String = value };

    public static TypedData Json<T>(T value) => new() { Json = JsonSerializer.Serialize(value) };

    /// <summary>
    /// The messages an output binding value stands for: one per element of a collection or JSON array,
    /// else one; none for an unset value.
    /// </summary>
    public static IReadOnlyList<BinaryData> ToMessages(TypedData? data) => data?.DataCase switch
    {
        null or TypedData.DataOneofCase.None => [],
        TypedData.DataOneofCase.String => [BinaryData.FromString(data.String)],
        TypedData.DataOneofCase.Json => FromJson(data.Json),
        TypedData.DataOneofCase.Bytes => [BinaryData.FromBytes(data.Bytes.ToByteArray())],
        TypedData.DataOneofCase.Stream => [BinaryData.FromBytes(data.Stream.ToByteArray())],
        TypedData.DataOneofCase.Int => [BinaryData.FromString(data.Int.ToString(CultureInfo.InvariantCulture))],
        TypedData.DataOneofCase.Double => [BinaryData.FromString(data.Double.ToString(CultureInfo.InvariantCulture))],
        TypedData.DataOneofCase.CollectionString => data.CollectionString.String.Select(BinaryData.FromString).ToArray(),
        TypedData.DataOneofCase.CollectionBytes => data.CollectionBytes.Bytes.Select(b => BinaryData.FromBytes(b.ToByteArray())).ToArray(),
        TypedData.DataOneofCase.CollectionDouble => data.CollectionDouble.Double.Select(d => BinaryData.FromString(d.ToString(CultureInfo.InvariantCulture))).ToArray(),
        TypedData.DataOneofCase.CollectionSint64 => data.CollectionSint64.Sint64.Select(i => BinaryData.FromString(i.ToString(CultureInfo.InvariantCulture))).ToArray(),
        _ => throw new NotSupportedException($"An output value of type {data.DataCase} cannot be written to a queue by this host."),
    };

    private static BinaryData[] FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => [],
            JsonValueKind.Array => document.RootElement.EnumerateArray().Select(Message).ToArray(),
            _ => [Message(document.RootElement)],
        };

        static BinaryData Message(JsonElement element) =>
            BinaryData.FromString(element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText());
    }
}
