namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>
/// The host's tests start real worker processes; they run one class at a time (workers pick their
/// own HTTP port, so they start serially) while the rest of the suite runs alongside.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FunctionsHostCollection
{
    public const string Name = "FunctionsHost";
}
