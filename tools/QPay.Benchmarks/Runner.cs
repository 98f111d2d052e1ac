using System.Diagnostics;

namespace QPay.Benchmarks;

/// <summary>Runs operations at a fixed concurrency and records each one's latency.</summary>
internal static class Runner
{
    /// <summary>
    /// Runs <paramref name="operation"/> once per item with <paramref name="concurrency"/> callers in
    /// flight, adding each latency (ms) and the batch's wall time to <paramref name="series"/> (when given).
    /// A failing operation counts as an error, not as a sample; the first few failures are printed.
    /// </summary>
    public static async Task RunAsync<T>(IReadOnlyList<T> items, int concurrency, Func<T, Task> operation, Series? series)
    {
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        var callers = Enumerable.Range(0, Math.Min(concurrency, items.Count)).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < items.Count)
            {
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    await operation(items[index]).ConfigureAwait(false);
                    series?.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                }
                catch (Exception exception) when (series is not null)
                {
                    series.AddError();
                    if (series.Errors <= 3)
                    {
                        Console.Error.WriteLine($"  error: {exception.GetType().Name}: {exception.Message}");
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(callers).ConfigureAwait(false);
        series?.AddWallTime(Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Alternates batches of the app and of its floor, <paramref name="rounds"/> times, swapping which
    /// goes first each round, so that drift on the shared machine hits both alike.
    /// </summary>
    public static async Task InterleaveAsync<TApp, TFloor>(
        int rounds,
        int concurrency,
        IReadOnlyList<TApp> appItems,
        Func<TApp, Task> app,
        Series appSeries,
        IReadOnlyList<TFloor> floorItems,
        Func<TFloor, Task> floor,
        Series floorSeries)
    {
        var appBatch = appItems.Count / rounds;
        var floorBatch = floorItems.Count / rounds;
        for (var round = 0; round < rounds; round++)
        {
            var appSlice = appItems.Skip(round * appBatch).Take(appBatch).ToList();
            var floorSlice = floorItems.Skip(round * floorBatch).Take(floorBatch).ToList();
            if (round % 2 == 0)
            {
                await RunAsync(appSlice, concurrency, app, appSeries).ConfigureAwait(false);
                await RunAsync(floorSlice, concurrency, floor, floorSeries).ConfigureAwait(false);
            }
            else
            {
                await RunAsync(floorSlice, concurrency, floor, floorSeries).ConfigureAwait(false);
                await RunAsync(appSlice, concurrency, app, appSeries).ConfigureAwait(false);
            }
        }
    }
}
