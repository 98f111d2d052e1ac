namespace QPay.FunctionsHost;

/// <summary>
/// The worker did not start: it exited, timed out or refused a start-up step. The message carries
/// what the worker said (its stderr and stdout tails, or the failing step's exception).
/// </summary>
public sealed class FunctionsHostStartException : Exception
{
    public FunctionsHostStartException(string message)
        : base(message)
    {
    }

    public FunctionsHostStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
