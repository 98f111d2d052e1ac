using System.Reflection;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>Paths the build bakes into the test assembly.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    /// <summary>The functions app's build output: the worker dll, functions.metadata, host.json.</summary>
    public static string FunctionsAppOutput { get; } = Metadata("FunctionsAppOutputDir");

    /// <summary>The Functions host's smoke worker build output (tools/QPay.FunctionsHost.SmokeApp).</summary>
    public static string SmokeAppOutput { get; } = Metadata("SmokeAppOutputDir");

    /// <summary>The Functions host's build output, where the dev runner's QPay.FunctionsHost.dll is.</summary>
    public static string FunctionsHostOutput { get; } = Metadata("FunctionsHostOutputDir");

    public static string InRepository(params string[] parts) => Path.Combine([RepositoryRoot, .. parts]);

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
