using System.Globalization;
using QPay.Benchmarks;

// scripts/benchmark.sh runs this: the Markdown table on stdout, progress on stderr, JSON to --output.
const string Usage =
    "Usage: QPay.Benchmarks [--output artifacts/benchmark.json] [--scale 1.0] [--logs worker-a.log] [--no-orders-on-a]\n" +
    "       QPay.Benchmarks --cost-only [N] [--output FILE]   (the cost phase alone: N payments, default 50)\n" +
    "       QPay.Benchmarks --start-only [N] [--output FILE]  (worker starts alone: N one after another, default 7)\n" +
    "       QPay.Benchmarks --backlog [N] [--paid-percent 1] [--expiry-sec S] [--until-expiry] [--max-minutes 40] [--output FILE] [--logs FILE]";
string? output = null;
var scale = 1.0;
string? logs = null;
var ordersOnA = true;
int? backlog = null;
double? paidPercent = null;
int? expirySec = null;
var untilExpiry = false;
double? maxMinutes = null;
var latencyOptions = false;
int? costOnly = null;
int? startOnly = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--output" when i + 1 < args.Length:
            output = Path.GetFullPath(args[++i]);
            break;
        case "--no-orders-on-a":
            ordersOnA = false; // instance A leaves the order messages to B and C: the webhook without order creation beside it
            latencyOptions = true;
            break;
        case "--logs" when i + 1 < args.Length:
            logs = Path.GetFullPath(args[++i]);
            break;
        case "--scale" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0:
            scale = s;
            latencyOptions = true;
            i++;
            break;
        case "--backlog":
            // The backlog scenario only; the number of sessions is optional.
            backlog = BacklogPlan.DefaultSessions;
            if (i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                backlog = n;
                i++;
            }

            break;
        case "--cost-only":
            costOnly = Cost.DefaultPayments(1);
            if (i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0)
            {
                costOnly = c;
                i++;
            }

            break;
        case "--start-only":
            startOnly = StartOnly.DefaultStarts;
            if (i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var w) && w > 0)
            {
                startOnly = w;
                i++;
            }

            break;
        case "--paid-percent" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100:
            paidPercent = p;
            i++;
            break;
        case "--expiry-sec" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var e) && e >= 60:
            expirySec = e; // PAYMENT_SESSION_EXPIRY_SEC of both instances (the app accepts 60 and more)
            i++;
            break;
        case "--until-expiry":
            untilExpiry = true;
            break;
        case "--max-minutes" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m > 0:
            maxMinutes = m;
            i++;
            break;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

var backlogOptions = paidPercent is not null || expirySec is not null || untilExpiry || maxMinutes is not null;
if ((backlog is null && backlogOptions) || (backlog is not null && latencyOptions))
{
    Console.Error.WriteLine(backlog is null
        ? "--paid-percent, --expiry-sec, --until-expiry and --max-minutes belong to --backlog."
        : "--scale and --no-orders-on-a do not apply to --backlog.");
    Console.Error.WriteLine(Usage);
    return 2;
}

if ((costOnly ?? startOnly) is not null && (backlog is not null || latencyOptions || (costOnly is not null && startOnly is not null)))
{
    Console.Error.WriteLine("--cost-only and --start-only each run one phase alone: without --backlog, --scale, --no-orders-on-a or each other.");
    Console.Error.WriteLine(Usage);
    return 2;
}

output ??= Path.Combine(BenchStack.RepositoryRoot, "artifacts",
    costOnly is not null ? "benchmark-cost.json" : startOnly is not null ? "benchmark-start.json" : backlog is null ? "benchmark.json" : "benchmark-backlog.json");
try
{
    string markdown;
    string json;
    if (costOnly is { } payments)
    {
        var cost = await Cost.RunAsync(payments);
        markdown = CostReport.Markdown(cost);
        json = CostReport.Document(cost);
    }
    else if (startOnly is { } starts)
    {
        var startResults = await StartOnly.RunAsync(starts);
        markdown = StartOnly.Markdown(startResults);
        json = StartOnly.Json(startResults);
    }
    else if (backlog is { } sessions)
    {
        var plan = new BacklogPlan(sessions, paidPercent ?? 1, expirySec, untilExpiry, maxMinutes ?? 40);
        var backlogResults = await Backlog.RunAsync(plan, logs);
        var backlogRows = BacklogReport.Rows(backlogResults);
        markdown = BacklogReport.Markdown(backlogResults, backlogRows);
        json = BacklogReport.Json(backlogResults, backlogRows);
    }
    else
    {
        var results = await Benchmark.RunAsync(new BenchPlan(scale, ordersOnA), logs);
        // After the latency run's instances have stopped: none of them may take the phase's queue messages.
        Console.Error.WriteLine("cost phase");
        results.Cost = await Cost.RunAsync(Cost.DefaultPayments(scale));
        var rows = Report.Rows(results);
        markdown = Report.Markdown(results, rows);
        json = Report.Json(results, rows);
    }

    Console.WriteLine(markdown);
    Directory.CreateDirectory(Path.GetDirectoryName(output)!);
    await File.WriteAllTextAsync(output, json);
    Console.Error.WriteLine($"JSON written to {output}");
    return 0;
}
catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException or QPay.FunctionsHost.FunctionsHostStartException)
{
    Console.Error.WriteLine($"The benchmark could not run: {exception.Message}");
    return 1;
}
