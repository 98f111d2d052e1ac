using QPay.Benchmarks;

namespace QPay.Functions.Tests.Benchmarks;

/// <summary>The benchmark's percentile arithmetic (nearest rank). Behaviour only: nothing here times anything.</summary>
public sealed class PercentilesTests
{
    private static readonly double[] OneToHundred = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();

    [Theory]
    [InlineData(50, 50)]
    [InlineData(99, 99)]
    [InlineData(100, 100)]
    [InlineData(1, 1)]
    [InlineData(0.5, 1)]
    [InlineData(99.5, 100)]
    public void Percentile_of_one_to_hundred_is_the_nearest_rank(double percent, double expected) =>
        Assert.Equal(expected, Percentiles.Of(OneToHundred, percent));

    [Fact]
    public void Order_of_the_samples_does_not_matter()
    {
        var shuffled = OneToHundred.Reverse().ToArray();
        Assert.Equal(50, Percentiles.Of(shuffled, 50));
        Assert.Equal(99, Percentiles.Of(shuffled, 99));
    }

    [Fact]
    public void Median_of_an_even_count_is_the_lower_middle_sample_not_an_interpolation() =>
        Assert.Equal(2, Percentiles.Of([4, 1, 3, 2], 50));

    [Fact]
    public void A_single_sample_is_every_percentile()
    {
        Assert.Equal(7, Percentiles.Of([7], 50));
        Assert.Equal(7, Percentiles.Of([7], 99));
    }

    [Fact]
    public void P99_of_few_samples_is_the_largest()
    {
        double[] samples = [5, 1, 9, 3];
        Assert.Equal(9, Percentiles.Of(samples, 99));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100.1)]
    [InlineData(double.NaN)]
    public void A_percentile_outside_zero_to_hundred_is_refused(double percent) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of(OneToHundred, percent));

    [Fact]
    public void No_samples_is_refused() =>
        Assert.Throws<ArgumentException>(() => Percentiles.Of([], 50));

    [Fact]
    public void Summary_reports_count_percentiles_mean_and_max()
    {
        var summary = LatencySummary.Of(OneToHundred);
        Assert.Equal(new LatencySummary(100, 50, 99, 50.5, 100), summary);
    }
}
