using System.Collections;
using System.Text.RegularExpressions;

namespace QPay.FunctionsHost.Hosting;

/// <summary>
/// The app settings as the worker sees them: the host process's environment overlaid with
/// <see cref="FunctionsHostOptions.Settings"/>. Resolves <c>%Name%</c> in binding properties and
/// storage connections, as the Functions host does.
/// </summary>
internal sealed partial class AppSettings
{
    private readonly Dictionary<string, string> _values;

    public AppSettings(IDictionary<string, string?> overrides)
    {
        _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            _values[(string)variable.Key] = (string?)variable.Value ?? string.Empty;
        }

        foreach (var (name, value) in overrides)
        {
            if (value is null)
            {
                _values.Remove(name);
            }
            else
            {
                _values[name] = value;
            }
        }
    }

    public string? this[string name] => _values.GetValueOrDefault(name);

    /// <summary>Replaces every <c>%Name%</c> with its setting; a missing one is an error naming it.</summary>
    public string Resolve(string value, string usedBy) =>
        Expression().Replace(value, match =>
        {
            var name = match.Groups["name"].Value;
            return this[name] ?? throw new InvalidOperationException($"The app setting '{name}' used by {usedBy} is not set.");
        });

    /// <summary>
    /// A storage connection string from a binding's <c>connection</c> (default AzureWebJobsStorage):
    /// the setting itself, else the setting prefixed with AzureWebJobs, as the Functions host looks it up.
    /// </summary>
    public string StorageConnectionString(string? connection, string usedBy)
    {
        var name = string.IsNullOrEmpty(connection) ? "AzureWebJobsStorage" : Resolve(connection, usedBy);
        return (this[name] is { Length: > 0 } value ? value : null)
            ?? (this["AzureWebJobs" + name] is { Length: > 0 } prefixed ? prefixed : null)
            ?? throw new InvalidOperationException(
                $"The storage connection '{name}' used by {usedBy} is not set (this host reads connection strings only, " +
                $"not identity-based '{name}__queueServiceUri' settings).");
    }

    public IEnumerable<KeyValuePair<string, string>> All => _values;

    [GeneratedRegex("%(?<name>[^%]+)%")]
    private static partial Regex Expression();
}
