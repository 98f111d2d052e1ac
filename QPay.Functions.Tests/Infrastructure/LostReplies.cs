using Azure.Core;
using Azure.Core.Pipeline;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>
/// A storage pipeline policy (registered for <see cref="QPay.Functions.Storage.StorageClients"/>) that lets a
/// matching request reach Azurite and be stored, then loses its reply: the SDK retries it, as it does after a
/// connection reset, and the retry meets the first try's own write (409, 412, or a 404 for a delete).
/// </summary>
public sealed class LostReplies : QPay.Functions.Storage.StorageTryPolicy
{
    private readonly List<Func<HttpMessage, string, bool>> _armed = [];
    private readonly List<Func<HttpMessage, string, bool>> _unsent = [];

    /// <summary>How many replies were lost.</summary>
    public int Lost { get; private set; }

    /// <summary>Loses the reply of the next request for which <paramref name="match"/> (the message, its body) holds.</summary>
    public void LoseNext(Func<HttpMessage, string, bool> match)
    {
        lock (_armed)
        {
            _armed.Add(match);
        }
    }

    /// <summary>
    /// Fails the next request for which <paramref name="match"/> holds before it reaches storage, as a connection
    /// that breaks while sending does: the SDK retries it, and nothing of the first try was stored.
    /// </summary>
    public void FailNextUnsent(Func<HttpMessage, string, bool> match)
    {
        lock (_armed)
        {
            _unsent.Add(match);
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var body = Body(message);
        FailIfUnsent(message, body);
        ProcessNext(message, pipeline);
        LoseIfArmed(message, body);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var body = Body(message);
        FailIfUnsent(message, body);
        await ProcessNextAsync(message, pipeline);
        LoseIfArmed(message, body);
    }

    private void FailIfUnsent(HttpMessage message, string body)
    {
        lock (_armed)
        {
            var index = _unsent.FindIndex(match => match(message, body));
            if (index < 0)
            {
                return;
            }

            _unsent.RemoveAt(index);
        }

        throw new IOException("The connection broke before the request was sent (test).");
    }

    private void LoseIfArmed(HttpMessage message, string body)
    {
        lock (_armed)
        {
            var index = _armed.FindIndex(match => match(message, body));
            if (index < 0 || message.Response.Status >= 300)
            {
                return;
            }

            _armed.RemoveAt(index);
            Lost++;
        }

        throw new IOException("The reply was lost (test).");
    }

    private static string Body(HttpMessage message)
    {
        if (message.Request.Content is not { } content)
        {
            return string.Empty;
        }

        using var copy = new MemoryStream();
        content.WriteTo(copy, message.CancellationToken);
        return System.Text.Encoding.UTF8.GetString(copy.ToArray());
    }
}
