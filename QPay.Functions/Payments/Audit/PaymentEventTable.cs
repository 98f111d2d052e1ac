using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Audit;

/// <summary>
/// The PaymentEvents table. <see cref="Record"/> stamps the event and puts it on an in-memory queue
/// (bounded: when it is full the event is dropped and counted, never waited for); one background
/// pump writes what has gathered, one entity-group transaction per session, and tries a failed batch
/// again a few times before it drops it (logged and counted). Disposing the app flushes the queue.
/// </summary>
internal sealed class PaymentEventTable : IPaymentAudit, IPaymentEventLog, IAsyncDisposable
{
    /// <summary>Events waiting to be written; beyond this the trail gives way to the payments.</summary>
    internal const int Capacity = 10_000;

    private const int MaxBatch = 100; // an entity-group transaction's limit
    private const int WriteParallelism = 8;
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    private readonly StorageClients _storage;
    private readonly TimeProvider _clock;
    private readonly PaymentMetrics _metrics;
    private readonly ILogger<PaymentEventTable> _logger;
    private readonly string _tableName;
    private readonly Channel<PaymentEventEntity> _queue = Channel.CreateBounded<PaymentEventEntity>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lazy<Task> _pump;
    private long _unwritten;
    private int _dropping;

    public PaymentEventTable(StorageClients storage, TimeProvider clock, PaymentMetrics metrics, IOptions<PaymentOptions> options, ILogger<PaymentEventTable> logger)
    {
        _storage = storage;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _tableName = options.Value.PaymentEventsTable;
        _pump = new Lazy<Task>(() => Task.Run(PumpAsync));
    }

    public void Record(string sessionId, PaymentEvent paymentEvent)
    {
        try
        {
            var at = _clock.GetUtcNow();
            var entity = PaymentEventEntity.From(sessionId, PaymentEventKeys.RowKey(at), at, paymentEvent);
            Interlocked.Increment(ref _unwritten);
            if (!_queue.Writer.TryWrite(entity))
            {
                Interlocked.Decrement(ref _unwritten);
                Dropped(1, "full", null);
                return;
            }

            _ = _pump.Value;
        }
        catch (Exception e)
        {
            // A bug here must not fail a payment.
            Dropped(1, "failed", e);
        }
    }

    public async Task<IReadOnlyList<RecordedPaymentEvent>> ListAsync(string sessionId, int max, CancellationToken cancellationToken)
    {
        var table = await _storage.GetTableAsync(_tableName, cancellationToken).ConfigureAwait(false);
        var events = new List<RecordedPaymentEvent>();
        await foreach (var row in table.QueryAsync<PaymentEventEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {sessionId}"), maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            events.Add(row.ToRecorded());
            if (events.Count >= max)
            {
                break;
            }
        }

        return events;
    }

    /// <summary>Waits until every event recorded so far is written or dropped (tests, and shutdown).</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Interlocked.Read(ref _unwritten) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_pump.IsValueCreated)
        {
            await Task.WhenAny(_pump.Value, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        }
    }

    private async Task PumpAsync()
    {
        var batch = new List<PaymentEventEntity>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < Capacity && _queue.Reader.TryRead(out var entity))
            {
                batch.Add(entity);
            }

            // Sessions are independent partitions: written side by side, so that a burst drains at storage's pace.
            var chunks = batch.GroupBy(e => e.PartitionKey).SelectMany(session => session.Chunk(MaxBatch));
            await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = WriteParallelism }, async (chunk, _) => await WriteAsync(chunk).ConfigureAwait(false)).ConfigureAwait(false);

            batch.Clear();
        }
    }

    private async Task WriteAsync(PaymentEventEntity[] chunk)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var table = await _storage.GetTableAsync(_tableName, CancellationToken.None).ConfigureAwait(false);
                if (chunk.Length == 1)
                {
                    await table.UpsertEntityAsync(chunk[0], TableUpdateMode.Replace).ConfigureAwait(false);
                }
                else
                {
                    // Upsert: a batch retried after a lost answer rewrites the same rows instead of failing on them.
                    await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e))).ConfigureAwait(false);
                }

                Interlocked.Add(ref _unwritten, -chunk.Length);
                if (Interlocked.Exchange(ref _dropping, 0) == 1)
                {
                    Log.AuditWritingAgain(_logger);
                }

                return;
            }
            catch (Exception e)
            {
                // Any failure, not only RequestFailedException: storage that cannot be reached ends in the SDK's
                // AggregateException ("Retry failed after 4 tries"), and whatever escapes here would stop the pump for good.
                if (attempt < RetryDelays.Length)
                {
                    await Task.Delay(RetryDelays[attempt]).ConfigureAwait(false);
                    continue;
                }

                // Counted before it stops being unwritten: a flush that returns has seen the loss recorded.
                Dropped(chunk.Length, "failed", e);
                Interlocked.Add(ref _unwritten, -chunk.Length);
                return;
            }
        }
    }

    private void Dropped(int count, string reason, Exception? exception)
    {
        _metrics.AuditDropped(count, reason);
        // One warning when dropping starts, not one per event: a full queue means thousands.
        if (Interlocked.Exchange(ref _dropping, 1) == 0)
        {
            Log.AuditEventsDropped(_logger, exception, count, reason);
        }
    }
}
