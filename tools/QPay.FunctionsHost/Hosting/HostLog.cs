using Microsoft.Extensions.Logging;

namespace QPay.FunctionsHost.Hosting;

/// <summary>Every captured log line, kept in order; readers get a snapshot.</summary>
internal sealed class HostLog(Action<HostLogLine>? onLog)
{
    private const string HostCategory = "QPay.FunctionsHost";
    private const int MaxLines = 100_000;
    private readonly List<HostLogLine> _lines = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<HostLogLine> Snapshot()
    {
        lock (_gate)
        {
            return _lines.ToArray();
        }
    }

    public void Add(HostLogLine line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            if (_lines.Count > MaxLines)
            {
                // A long dev session must not grow without end; tests never get near this.
                _lines.RemoveRange(0, MaxLines / 10);
            }
        }

        onLog?.Invoke(line);
    }

    public void Host(LogLevel level, string message) =>
        Add(new HostLogLine(DateTimeOffset.UtcNow, HostLogSource.Host, level, HostCategory, message));

    public void Info(string message) => Host(LogLevel.Information, message);

    public void Warn(string message) => Host(LogLevel.Warning, message);

    public void Error(string message) => Host(LogLevel.Error, message);
}
