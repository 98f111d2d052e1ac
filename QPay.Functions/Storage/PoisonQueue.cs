namespace QPay.Functions.Storage;

/// <summary>
/// Writes to the poison queues (<c>&lt;queue&gt;-poison</c>), the one way the app does. A poison message waits for
/// an operator (the admin poison routes) however long that takes, so its copy never expires: Queue Storage's
/// default time-to-live of 7 days would delete it unseen.
/// </summary>
public interface IPoisonQueue
{
    /// <summary>Puts <paramref name="body"/> (the message's text, as the trigger read it) on <paramref name="queueName"/>'s poison queue, never to expire.</summary>
    Task KeepAsync(string queueName, string body, CancellationToken cancellationToken);
}

/// <summary>The naming and expiry rules of poison queues.</summary>
public static class PoisonQueue
{
    /// <summary>Where the Functions runtime, and the app, put a message of <paramref name="queueName"/> that failed too often.</summary>
    public static string NameOf(string queueName) => queueName + "-poison";

    /// <summary>
    /// True when a message's <c>ExpiresOn</c> is a real date, i.e. it will be deleted. A message sent with
    /// time-to-live -1 reports 9999-12-31 23:59:59 (Azure and Azurite alike); an unknown expiry counts as never.
    /// </summary>
    public static bool Expires(DateTimeOffset? expiresOn) => expiresOn is { Year: < 9999 };
}

internal sealed class StoragePoisonQueue(StorageClients storage) : IPoisonQueue
{
    public Task KeepAsync(string queueName, string body, CancellationToken cancellationToken) =>
        storage.SendAsync(PoisonQueue.NameOf(queueName), body, TimeSpan.Zero, StorageClients.NeverExpires, cancellationToken);
}
