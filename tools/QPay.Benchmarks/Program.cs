using System.Globalization;
using QPay.Benchmarks;

// scripts/benchmark.sh runs this: the Markdown table on stdout, progress on stderr, JSON to --output.
// Usage: QPay.Benchmarks [--output artifacts/benchmark.json] [--scale 1.0] [--logs worker-a.log] [--no-orders-on-a]
var output = Path.Combine(BenchStack.RepositoryRoot, "artifacts", "benchmark.json");
var scale = 1.0;
string? logs = null;
var ordersOnA = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--output" when i + 1 < args.Length:
            output = Path.GetFullPath(args[++i]);
            break;
        case "--no-orders-on-a":
            ordersOnA = false; // instance A leaves the order messages to B and C: the webhook without order creation beside it
            break;
        case "--logs" when i + 1 < args.Length:
            logs = Path.GetFullPath(args[++i]);
            break;
        case "--scale" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0:
            scale = s;
            i++;
            break;
        default:
            Console.Error.WriteLine("Usage: QPay.Benchmarks [--output artifacts/benchmark.json] [--scale 1.0] [--logs worker-a.log] [--no-orders-on-a]");
            return 2;
    }
}

BenchResults results;
try
{
    results = await Benchmark.RunAsync(new BenchPlan(scale, ordersOnA), logs);
}
catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException or QPay.FunctionsHost.FunctionsHostStartException)
{
    Console.Error.WriteLine($"The benchmark could not run: {exception.Message}");
    return 1;
}

var rows = Report.Rows(results);
Console.WriteLine(Report.Markdown(results, rows));
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, Report.Json(results, rows));
Console.Error.WriteLine($"JSON written to {output}");
return 0;
