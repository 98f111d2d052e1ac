namespace QPay.FunctionsHost;

/// <summary>A function the host serves, described as <c>func start</c> lists it.</summary>
/// <param name="Name">The function name.</param>
/// <param name="TriggerType">httpTrigger, queueTrigger, timerTrigger, or another (not triggered by this host).</param>
/// <param name="Detail">Methods and URL, queue name, or schedule.</param>
public sealed record HostedFunction(string Name, string TriggerType, string Detail)
{
    public override string ToString() => $"{Name}: {Detail}";
}
