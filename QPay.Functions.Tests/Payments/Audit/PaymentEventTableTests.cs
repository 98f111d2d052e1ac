using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments.Audit;

/// <summary>The PaymentEvents table on its own: against Azurite, and against storage that is not there.</summary>
public sealed class PaymentEventTableTests
{
    /// <summary>Azurite's well-known account, on a port nobody listens on.</summary>
    private const string DeadStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        + "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        + "TableEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1";

    [Fact]
    public async Task Two_hundred_and_fifty_events_of_one_session_are_listed_in_record_order_with_their_fields()
    {
        LocalStack.EnsureRunning();
        using var services = Services();
        await using var table = Table(services, LocalStack.StorageConnectionString);
        var sessionId = "trail-core-" + Guid.NewGuid().ToString("N");
        var recorded = Enumerable.Range(0, 250).Select(i => new PaymentEvent(
            i % 2 == 0 ? PaymentEventTypes.Callback : PaymentEventTypes.ReconcilerCheck,
            Source: "public",
            Reason: "R" + i,
            PaymentId: "pay-" + i,
            InvoiceId: "inv-1",
            AmountMnt: 1234.56m + i + 0.001m * i,
            Detail: "d" + i)).ToList();

        foreach (var e in recorded)
        {
            table.Record(sessionId, e);
        }

        await table.FlushAsync(TimeSpan.FromSeconds(30));
        var listed = await table.ListAsync(sessionId, 1000, CancellationToken.None);

        Assert.Equal(recorded, listed.Select(r => r.Event));
        Assert.All(listed, r => Assert.Equal(sessionId, r.SessionId));
        Assert.Equal(listed.Select(r => r.Id).Order(StringComparer.Ordinal), listed.Select(r => r.Id));
        Assert.Equal(250, listed.Select(r => r.Id).Distinct().Count());
        Assert.Equal(1234.56m + 249m + 0.249m, listed[^1].Event.AmountMnt);
        Assert.Equal(10, (await table.ListAsync(sessionId, 10, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_detail_longer_than_the_maximum_is_cut()
    {
        LocalStack.EnsureRunning();
        using var services = Services();
        await using var table = Table(services, LocalStack.StorageConnectionString);
        var sessionId = "trail-core-" + Guid.NewGuid().ToString("N");
        var detail = new string('x', PaymentEvent.MaxDetailLength) + "-beyond";

        table.Record(sessionId, new PaymentEvent(PaymentEventTypes.OrdersCreated, Detail: detail));
        await table.FlushAsync(TimeSpan.FromSeconds(30));

        var listed = Assert.Single(await table.ListAsync(sessionId, 10, CancellationToken.None));
        Assert.Equal(detail[..PaymentEvent.MaxDetailLength], listed.Event.Detail);
    }

    [Fact]
    public async Task Record_returns_at_once_and_never_throws_when_storage_is_unreachable_and_the_loss_is_counted()
    {
        using var services = Services();
        using var dropped = new DroppedCounter(services);
        await using var table = Table(services, DeadStorage);
        var sessionId = "trail-dead-" + Guid.NewGuid().ToString("N");

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            table.Record(sessionId, new PaymentEvent(PaymentEventTypes.Callback, Reason: "PROCESSED"));
        }

        watch.Stop();
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));

        // Every write is tried again a few times (the SDK's retries inside ours) before the batch is dropped.
        await table.FlushAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(20, dropped.Count("failed"));
        Assert.Equal(0, dropped.Count("full"));
    }

    private static ServiceProvider Services() => new ServiceCollection().AddMetrics().BuildServiceProvider();

    private static PaymentEventTable Table(ServiceProvider services, string connectionString)
    {
        var metrics = new PaymentMetrics(services.GetRequiredService<IMeterFactory>());
        return new(
            new StorageClients(Options.Create(new StorageOptions { ConnectionString = connectionString }), new StorageRequestCounter(metrics)),
            TimeProvider.System,
            metrics,
            Options.Create(new PaymentOptions()),
            NullLogger<PaymentEventTable>.Instance);
    }

    /// <summary><c>qpay.audit.dropped</c> of this test's own meter factory, by reason.</summary>
    private sealed class DroppedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _byReason = new();

        public DroppedCounter(ServiceProvider services)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "qpay.audit.dropped" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        _byReason.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
                    }
                }
            });
            _listener.Start();
        }

        public long Count(string reason) => _byReason.TryGetValue(reason, out var count) ? count : 0;

        public void Dispose() => _listener.Dispose();
    }
}
