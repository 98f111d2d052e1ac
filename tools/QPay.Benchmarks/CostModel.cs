namespace QPay.Benchmarks;

/// <summary>
/// The published prices the cost phase converts its counts with (USD, one region, pay-as-you-go,
/// before free grants). Where each figure comes from is in docs/performance.md ("What 1,000 payments cost").
/// </summary>
public sealed record CostPrices(
    string Region,
    string AsOf,
    decimal TablePer10K,
    decimal QueuePer10K,
    decimal ExecutionsPerMillion,
    decimal PerGbSecond,
    int InstanceMemoryMb)
{
    /// <summary>
    /// East US: Table Storage LRS transactions, Queue Storage (StorageV2, LRS) class 1 and 2
    /// operations, Flex Consumption on-demand executions and execution time at the deployment's
    /// default instance size (infra/modules/functionapp.bicep, instanceMemoryMB 2048).
    /// </summary>
    public static CostPrices EastUs { get; } = new("East US", "2025-05", 0.00036m, 0.004m, 0.40m, 0.000026m, 2048);
}

/// <summary>What the cost phase counted over its window, for <see cref="Payments"/> payments.</summary>
public sealed record CostCounts(
    int Payments,
    long TableApp,
    long QueueApp,
    long QueueHost,
    long RedisCommands,
    long QPayCalls,
    long Executions,
    double ActiveSeconds);

/// <summary>One line of the cost table: a count per 1,000 payments and what it costs.</summary>
public sealed record CostLine(string Item, string Unit, double PerThousand, decimal UsdPerThousand, string Price);

/// <summary>Converts counts into money with <see cref="CostPrices"/>: pure arithmetic, no rounding before the end.</summary>
public static class CostCalculator
{
    /// <summary>The Flex Consumption instance sizes (MB) a deployment can choose.</summary>
    public static IReadOnlyList<int> FlexInstanceSizesMb { get; } = [512, 2048, 4096];

    /// <summary>Storage bills transactions per 10,000: each one costs a ten-thousandth of the price.</summary>
    public static decimal Transactions(double count, decimal per10K) => (decimal)count * per10K / 10_000m;

    public static decimal Executions(double count, decimal perMillion) => (decimal)count * perMillion / 1_000_000m;

    /// <summary>
    /// Flex Consumption on demand bills the instance's whole memory size while it executes at least
    /// one function: active seconds × instance GB (1 GB = 1,024 MB), whatever the process uses.
    /// </summary>
    public static double GbSeconds(double activeSeconds, int instanceMemoryMb)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(activeSeconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(instanceMemoryMb);
        return activeSeconds * instanceMemoryMb / 1024.0;
    }

    public static decimal ExecutionTime(double gbSeconds, decimal perGbSecond) => (decimal)gbSeconds * perGbSecond;

    /// <summary>The smallest Flex instance size that holds a process of <paramref name="peakMb"/> MB (its memory is rounded up to one).</summary>
    public static int SmallestInstanceMb(double peakMb) =>
        FlexInstanceSizesMb.FirstOrDefault(size => size >= peakMb) is var size and > 0
            ? size
            : throw new ArgumentOutOfRangeException(nameof(peakMb), peakMb, $"No Flex Consumption instance size holds {peakMb:0} MB.");

    /// <summary>Active time, merged: overlapping invocations on one instance are billed once.</summary>
    public static double ActiveSeconds(IEnumerable<(double StartSeconds, double EndSeconds)> invocations)
    {
        var total = 0.0;
        double? start = null;
        var end = 0.0;
        foreach (var (s, e) in invocations.OrderBy(i => i.StartSeconds))
        {
            if (start is null || s > end)
            {
                total += start is null ? 0 : end - start.Value;
                (start, end) = (s, e);
            }
            else
            {
                end = Math.Max(end, e);
            }
        }

        return total + (start is null ? 0 : end - start.Value);
    }

    /// <summary>The counts per 1,000 payments, each with its cost, then the total (Redis and QPay are counted, not priced).</summary>
    public static IReadOnlyList<CostLine> PerThousand(CostCounts counts, CostPrices prices)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(counts.Payments);
        double Scale(double count) => count * 1000.0 / counts.Payments;
        var gbSeconds = GbSeconds(Scale(counts.ActiveSeconds), prices.InstanceMemoryMb);
        List<CostLine> lines =
        [
            new("Table transactions (app)", "transactions", Scale(counts.TableApp), Transactions(Scale(counts.TableApp), prices.TablePer10K), $"${prices.TablePer10K} / 10,000"),
            new("Queue transactions (app)", "transactions", Scale(counts.QueueApp), Transactions(Scale(counts.QueueApp), prices.QueuePer10K), $"${prices.QueuePer10K} / 10,000"),
            new("Queue transactions (host: message receive, renew, delete, outputs)", "transactions", Scale(counts.QueueHost), Transactions(Scale(counts.QueueHost), prices.QueuePer10K), $"${prices.QueuePer10K} / 10,000"),
            new("Function executions", "executions", Scale(counts.Executions), Executions(Scale(counts.Executions), prices.ExecutionsPerMillion), $"${prices.ExecutionsPerMillion} / million"),
            new($"Execution time at {prices.InstanceMemoryMb} MB", "GB-s", gbSeconds, ExecutionTime(gbSeconds, prices.PerGbSecond), $"${prices.PerGbSecond} / GB-s"),
            new("Redis commands", "commands", Scale(counts.RedisCommands), 0m, "tier billed per hour, not per command"),
            new("QPay calls", "calls", Scale(counts.QPayCalls), 0m, "QPay's fees are not an Azure price"),
        ];
        lines.Add(new("Total", "USD", 0, lines.Sum(l => l.UsdPerThousand), $"{prices.Region}, prices of {prices.AsOf}"));
        return lines;
    }
}
