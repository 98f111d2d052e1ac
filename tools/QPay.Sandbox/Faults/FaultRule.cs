namespace QPay.Sandbox.Faults;

/// <summary>
/// A scripted misbehaviour for the next <see cref="Count"/> calls of one endpoint: wait <see cref="DelayMs"/>,
/// then answer <see cref="Status"/> (with <see cref="Error"/> or the status's usual QPay body), or run
/// normally and cut the connection before the answer (<see cref="Drop"/>), or answer the status line, the
/// headers and half the body, then pause <see cref="StallBodyMs"/> before the rest, or just answer late.
/// </summary>
public sealed record FaultRule
{
    public required string Endpoint { get; init; }

    public int? Status { get; init; }

    public int DelayMs { get; init; }

    public int Count { get; init; } = 1;

    public bool Drop { get; init; }

    /// <summary>The pause in the middle of a normal answer's body (its headers already sent), in ms.</summary>
    public int StallBodyMs { get; init; }

    /// <summary>Error code of the body; "TypeError" gives ebarimt's <c>{"message":"TypeError"}</c>.</summary>
    public string? Error { get; init; }
}
