using System.Globalization;

namespace QPay.FunctionsHost.DevRunner;

/// <summary>The dev runner's command line.</summary>
internal sealed record DevRunnerArguments(string AppDirectory, int? Port, string? SettingsFile, string? FunctionKey)
{
    public const string Usage =
        "usage: QPay.FunctionsHost --app <worker build output> [--port 7071] [--settings local.settings.json] [--key <function key>]";

    public static DevRunnerArguments Parse(string[] args)
    {
        string? app = null, settings = null, key = null;
        int? port = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--app":
                    app = Value();
                    break;
                case "--port":
                    port = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--settings":
                    settings = Value();
                    break;
                case "--key":
                    key = Value();
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }

        return new DevRunnerArguments(app ?? throw new ArgumentException("--app is required."), port, settings, key);
    }
}
