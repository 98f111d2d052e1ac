using CsCheck;
using QPay.Benchmarks;

namespace QPay.Functions.Tests.Benchmarks;

/// <summary>The cost phase's price arithmetic: per-10,000 and per-million prices, GB-seconds, merged active time, per-1,000 scaling.</summary>
public sealed class CostCalculatorTests
{
    private static readonly CostPrices Prices = new("Test", "2026-12", 0.00036m, 0.004m, 0.40m, 0.000026m, 2048);

    private static readonly Gen<CostCounts> Counts =
        Gen.Select(Gen.Int[1, 10_000], Gen.Long[0, 1_000_000], Gen.Long[0, 1_000_000], Gen.Long[0, 1_000_000], Gen.Long[0, 1_000_000], Gen.Int[0, 5_000_000])
            .Select(t => new CostCounts(t.Item1, t.Item2, t.Item3, t.Item4, 0, 0, t.Item5, t.Item6 / 1000.0));

    [Fact]
    public void Ten_thousand_transactions_cost_the_per_ten_thousand_price() =>
        Assert.Equal(0.00036m, CostCalculator.Transactions(10_000, 0.00036m));

    [Fact]
    public void One_transaction_costs_a_ten_thousandth_of_it() =>
        Assert.Equal(0.000000036m, CostCalculator.Transactions(1, 0.00036m));

    [Fact]
    public void A_million_executions_cost_the_per_million_price() =>
        Assert.Equal(0.40m, CostCalculator.Executions(1_000_000, 0.40m));

    [Theory]
    [InlineData(1.0, 2048, 2.0)]
    [InlineData(1.0, 512, 0.5)]
    [InlineData(0.25, 4096, 1.0)]
    [InlineData(0.0, 2048, 0.0)]
    public void Gb_seconds_are_active_seconds_times_the_instance_size_in_gb(double seconds, int instanceMb, double expected) =>
        Assert.Equal(expected, CostCalculator.GbSeconds(seconds, instanceMb), 12);

    [Theory]
    [InlineData(190, 512)]
    [InlineData(512, 512)]
    [InlineData(513, 2048)]
    [InlineData(2049, 4096)]
    public void A_process_is_rounded_up_to_the_smallest_instance_size_that_holds_it(double peakMb, int expected) =>
        Assert.Equal(expected, CostCalculator.SmallestInstanceMb(peakMb));

    [Fact]
    public void No_instance_size_holds_more_than_four_gigabytes() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CostCalculator.SmallestInstanceMb(4097));

    [Fact]
    public void Overlapping_invocations_are_active_once_and_gaps_are_not_active() =>
        Assert.Equal(3.0, CostCalculator.ActiveSeconds([(0, 1), (0.5, 1.5), (1.5, 2), (5, 6)]), 12);

    [Fact]
    public void The_total_is_the_sum_of_the_lines_and_per_thousand_scales_the_counts()
    {
        var lines = CostCalculator.PerThousand(new CostCounts(10, 570, 21, 41, 438, 31, 61, 1.0), Prices);

        var table = lines.Single(l => l.Item == "Table transactions (app)");
        Assert.Equal(57_000, table.PerThousand, 9);
        Assert.Equal(57_000m * 0.00036m / 10_000m, table.UsdPerThousand);
        var time = lines.Single(l => l.Unit == "GB-s");
        Assert.Equal(200.0, time.PerThousand, 9); // 100 s active per 1,000 payments at 2 GB
        Assert.Equal(lines.Where(l => l.Item != "Total").Sum(l => l.UsdPerThousand), lines.Single(l => l.Item == "Total").UsdPerThousand);
    }

    [Fact]
    public void Cost_is_linear_in_the_counts() =>
        Counts.Sample(counts =>
        {
            var doubled = counts with
            {
                TableApp = counts.TableApp * 2, QueueApp = counts.QueueApp * 2, QueueHost = counts.QueueHost * 2,
                Executions = counts.Executions * 2, ActiveSeconds = counts.ActiveSeconds * 2,
            };
            var once = Total(counts);
            var twice = Total(doubled);
            return Math.Abs(twice - 2 * once) <= 0.000000001m * Math.Max(1m, once);
        });

    [Fact]
    public void Cost_never_falls_when_a_count_grows() =>
        Gen.Select(Counts, Gen.Int[0, 4], Gen.Long[1, 1_000_000]).Sample((counts, which, more) =>
        {
            var grown = which switch
            {
                0 => counts with { TableApp = counts.TableApp + more },
                1 => counts with { QueueApp = counts.QueueApp + more },
                2 => counts with { QueueHost = counts.QueueHost + more },
                3 => counts with { Executions = counts.Executions + more },
                _ => counts with { ActiveSeconds = counts.ActiveSeconds + more / 1000.0 },
            };
            return Total(grown) > Total(counts);
        });

    private static decimal Total(CostCounts counts) => CostCalculator.PerThousand(counts, Prices).Single(l => l.Item == "Total").UsdPerThousand;
}
