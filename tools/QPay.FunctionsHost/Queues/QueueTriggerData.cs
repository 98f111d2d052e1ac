using System.Text;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Google.Protobuf;
using QPay.FunctionsHost.Functions;
using QPay.FunctionsHost.Rpc;

namespace QPay.FunctionsHost.Queues;

/// <summary>
/// A queue message as the Functions host hands it to the worker: the trigger parameter (the text,
/// or for a deferred-binding type such as <c>QueueMessage</c> the serialized message as
/// <c>ModelBindingData</c>) and the trigger metadata, non-strings as JSON.
/// </summary>
internal static class QueueTriggerData
{
    private const string QueueExtensionSource = "AzureStorageQueues";

    public static ParameterBinding Input(BindingDefinition trigger, QueueMessage message, string text)
    {
        var data = trigger.Flag("supportsDeferredBinding") && !trigger.Flag("skipDeferredBinding")
            ? new TypedData
            {
                ModelBindingData = new ModelBindingData
                {
                    Version = "1.0",
                    Source = QueueExtensionSource,
                    ContentType = "application/json",
                    Content = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(new
                    {
                        message.MessageId,
                        message.PopReceipt,
                        MessageText = text,
                        message.DequeueCount,
                        message.InsertedOn,
                        message.ExpiresOn,
                        message.NextVisibleOn,
                    })),
                },
            }
            : TypedDataConvert.String(text);
        return new ParameterBinding { Name = trigger.Name, Data = data };
    }

    public static Dictionary<string, TypedData> Metadata(QueueMessage message, string text)
    {
        var metadata = new Dictionary<string, TypedData>
        {
            ["QueueTrigger"] = TypedDataConvert.String(text),
            ["Id"] = TypedDataConvert.String(message.MessageId),
            ["PopReceipt"] = TypedDataConvert.String(message.PopReceipt),
            ["DequeueCount"] = TypedDataConvert.Json(message.DequeueCount),
        };
        AddTime(metadata, "InsertionTime", message.InsertedOn);
        AddTime(metadata, "ExpirationTime", message.ExpiresOn);
        AddTime(metadata, "NextVisibleTime", message.NextVisibleOn);
        return metadata;
    }

    /// <summary>The message text: base64-decoded UTF-8 when host.json's encoding is base64.</summary>
    public static bool TryDecode(BinaryData body, bool base64, out string text)
    {
        text = body.ToString();
        if (!base64)
        {
            return true;
        }

        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var length))
        {
            return false;
        }

        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static void AddTime(Dictionary<string, TypedData> metadata, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            metadata[name] = TypedDataConvert.Json(value);
        }
    }
}
