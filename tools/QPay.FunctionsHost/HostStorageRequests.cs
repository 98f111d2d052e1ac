namespace QPay.FunctionsHost;

/// <summary>
/// Storage requests the host itself sent (its queue listeners and queue outputs), each retry
/// included; <see cref="EmptyPolls"/> of them were receives that found no message.
/// </summary>
public readonly record struct HostStorageRequests(long Queue, long EmptyPolls)
{
    public static HostStorageRequests operator -(HostStorageRequests after, HostStorageRequests before) =>
        new(after.Queue - before.Queue, after.EmptyPolls - before.EmptyPolls);
}
