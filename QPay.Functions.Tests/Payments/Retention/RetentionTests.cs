using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Retention;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments.Retention;

/// <summary>
/// The retention timer's service against the real Azurite, Redis and sandbox, on a fake clock moved far
/// ahead. Each harness keeps its own PaymentEvents and IdempotencyKeys tables, its own reconciler index
/// partitions and scans only its own user's sessions, so what it removes is never another test's.
/// </summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Audit_events_past_the_window_are_removed_over_several_runs_each_within_budget_and_newer_ones_kept()
    {
        var (harness, clock) = await StartAsync(budget: 50);
        await using var _ = harness;
        var audit = harness.Get<IPaymentAudit>();
        string[] sessions = [NewId(), NewId(), NewId()];
        foreach (var session in sessions)
        {
            for (var i = 0; i < 40; i++)
            {
                audit.Record(session, new PaymentEvent(PaymentEventTypes.Callback, Reason: "NOT_PAID"));
            }
        }

        clock.Advance(TimeSpan.FromDays(91));
        foreach (var session in sessions)
        {
            for (var i = 0; i < 5; i++)
            {
                audit.Record(session, new PaymentEvent(PaymentEventTypes.ReconcilerCheck));
            }
        }

        await harness.Get<PaymentEventTable>().FlushAsync(TimeSpan.FromSeconds(30));

        var table = await harness.Get<StorageClients>().GetTableAsync(harness.Get<IOptions<PaymentOptions>>().Value.PaymentEventsTable, CancellationToken.None);
        Assert.Equal(135, table.Query<TableEntity>(select: ["RowKey"]).Count());
        var runs = new List<int>();
        var stored = new List<int>();
        for (var run = 0; run < 5; run++)
        {
            var summary = await harness.Get<RetentionService>().RunAsync(CancellationToken.None);
            runs.Add(summary.Of(RetentionKinds.AuditEvent));
            stored.Add(table.Query<TableEntity>(select: ["RowKey"]).Count());
        }

        // 120 old events at most 50 a run: three runs finish the job, later runs find nothing.
        Assert.Equal([50, 50, 20, 0, 0], runs);
        Assert.Equal([85, 35, 15, 15, 15], stored);
        foreach (var session in sessions)
        {
            var left = await harness.EventsAsync(session);
            Assert.Equal(5, left.Count);
            Assert.All(left, e => Assert.Equal(PaymentEventTypes.ReconcilerCheck, e.Event.Type));
        }
    }

    [Fact]
    public async Task A_due_row_left_behind_in_an_hour_the_index_has_passed_is_removed_while_a_live_entry_there_is_handed_back()
    {
        // The clock starts three hours back, so that the index writes a live entry into an hour the cursor then passes.
        var start = DateTimeOffset.UtcNow - TimeSpan.FromHours(3);
        var (harness, clock) = await StartAsync(start: start);
        await using var _ = harness;
        var index = harness.Get<IPendingSessionIndex>();
        var prefix = harness.Get<IOptions<PaymentOptions>>().Value.PendingIndexPartition;
        var table = await harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, CancellationToken.None);

        var live = NewId();
        await index.AddAsync(new PendingSessionEntry(live, start, start), CancellationToken.None);
        var passedHour = Hour(start);
        var orphan = new TableEntity(DuePartition(prefix, passedHour), $"1-{start.UtcDateTime:yyyyMMddHHmmssfff}-{NewId()}-deadbeef") { ["SessionId"] = NewId() };
        await table.AddEntityAsync(orphan);
        // A due row no home row points to, but in an hour the listing still reads: the listing's own to delete.
        var cursorHour = passedHour + TimeSpan.FromHours(2);
        var unpassed = new TableEntity(DuePartition(prefix, cursorHour), $"1-{cursorHour.UtcDateTime:yyyyMMddHHmmssfff}-{NewId()}-deadbeef") { ["SessionId"] = NewId() };
        await table.AddEntityAsync(unpassed);
        await table.UpsertEntityAsync(new TableEntity(prefix + "-cursor", "cursor") { ["Hour"] = cursorHour });
        clock.Advance(TimeSpan.FromHours(5)); // two hours past the real clock: the orphan is over an hour old

        var summary = await harness.Get<RetentionService>().RunAsync(CancellationToken.None);

        Assert.Equal(1, summary.Of(RetentionKinds.PendingIndex));
        Assert.Equal(1, summary.HandedBack);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(orphan.PartitionKey, orphan.RowKey)).HasValue);
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(unpassed.PartitionKey, unpassed.RowKey)).HasValue);
        var entry = await index.GetAsync(live, CancellationToken.None);
        Assert.NotNull(entry);
        Assert.Equal(1, await harness.DueRowsAsync(live));
        Assert.Equal(DuePartition(prefix, Hour(clock.GetUtcNow())), entry.Slot!.Partition);

        // The reconciler now meets the entry and decides: its session does not exist, so it leaves the index.
        var round = await harness.ReconcileAsync();
        Assert.Equal(1, round.Removed);
        Assert.Null(await index.GetAsync(live, CancellationToken.None));
    }

    [Fact]
    public async Task Expired_idempotency_keys_are_removed_and_fresh_ones_kept()
    {
        var (harness, clock) = await StartAsync();
        await using var _ = harness;
        var keys = harness.Get<IIdempotencyStore>();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(IdempotencyState.Proceed, (await keys.BeginAsync("refund", "old-" + i, "first", CancellationToken.None)).State);
        }

        clock.Advance(TimeSpan.FromDays(8));
        await keys.BeginAsync("refund", "fresh", "first", CancellationToken.None);

        var summary = await harness.Get<RetentionService>().RunAsync(CancellationToken.None);

        Assert.Equal(3, summary.Of(RetentionKinds.IdempotencyKey));
        // An expired key is a new request again; a fresh one still refuses another request.
        Assert.Equal(IdempotencyState.Proceed, (await keys.BeginAsync("refund", "old-0", "second", CancellationToken.None)).State);
        Assert.Equal(IdempotencyState.Mismatch, (await keys.BeginAsync("refund", "fresh", "second", CancellationToken.None)).State);
    }

    [Fact]
    public async Task Without_session_retention_no_session_claim_or_order_is_removed_however_old_only_its_old_events()
    {
        var user = NewUser();
        var (harness, clock) = await StartAsync(user: user);
        await using var _ = harness;
        var (sessionId, invoiceId) = await ProcessedSessionAsync(harness, user);
        harness.Get<IPaymentAudit>().Record(sessionId, new PaymentEvent(PaymentEventTypes.OrdersCreated));
        Assert.NotEmpty(await harness.EventsAsync(sessionId));
        clock.Advance(TimeSpan.FromDays(3650));

        var summary = await harness.Get<RetentionService>().RunAsync(CancellationToken.None);

        var session = await harness.Get<ISessionStore>().GetAsync(sessionId, CancellationToken.None);
        Assert.Equal(SessionStatus.Processed, session!.Status);
        Assert.NotNull(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, CancellationToken.None));
        Assert.All(session.OrderIds, id => Assert.NotNull(harness.Get<IOrderStore>().GetAsync(user, id, CancellationToken.None).Result));
        Assert.Equal(2, session.OrderIds.Count);
        Assert.NotEmpty(await harness.Get<IReceiptStore>().ListAsync(sessionId, CancellationToken.None));
        Assert.Equal(0, summary.Of(RetentionKinds.Session) + summary.Of(RetentionKinds.Order) + summary.Of(RetentionKinds.Claim) + summary.Of(RetentionKinds.Receipt));
        Assert.True(summary.Of(RetentionKinds.AuditEvent) > 0);
        Assert.Empty(await harness.EventsAsync(sessionId));
    }

    [Fact]
    public async Task With_session_retention_an_old_finished_session_goes_with_its_claim_orders_receipts_and_events_while_unfinished_and_recent_ones_stay()
    {
        var user = NewUser();
        var (harness, clock) = await StartAsync(user: user, settings: new Dictionary<string, string?> { ["SESSION_RETENTION_DAYS"] = "400" });
        await using var _ = harness;
        using var metrics = new RecordedMetrics(harness);
        var store = harness.Get<ISessionStore>();
        var (old, oldInvoice) = await ProcessedSessionAsync(harness, user);
        harness.Get<IPaymentAudit>().Record(old, new PaymentEvent(PaymentEventTypes.OrdersCreated));
        var oldOrders = (await store.GetAsync(old, CancellationToken.None))!.OrderIds;
        var (refunding, _) = await ProcessedSessionAsync(harness, user);
        await store.UpdateAsync(refunding, s => s with { Status = SessionStatus.RefundPending }, CancellationToken.None);
        var (pending, _) = await harness.SeedTwoSellerSessionAsync(user);
        clock.Advance(TimeSpan.FromDays(401));
        var (recent, recentInvoice) = await ProcessedSessionAsync(harness, user);
        harness.Get<IPaymentAudit>().Record(recent, new PaymentEvent(PaymentEventTypes.OrdersCreated));
        await harness.EventsAsync(recent);

        var summary = await harness.Get<RetentionService>().RunAsync(CancellationToken.None);

        Assert.Equal(1, summary.Of(RetentionKinds.Session));
        Assert.Equal(1, summary.Of(RetentionKinds.Claim));
        Assert.Equal(2, summary.Of(RetentionKinds.Order));
        Assert.Equal(1, summary.Of(RetentionKinds.Receipt));
        Assert.Null(await store.GetAsync(old, CancellationToken.None));
        Assert.Null(await harness.Get<IProcessedInvoiceStore>().GetAsync(old, oldInvoice, CancellationToken.None));
        Assert.All(oldOrders, id => Assert.Null(harness.Get<IOrderStore>().GetAsync(user, id, CancellationToken.None).Result));
        Assert.Empty(await harness.Get<IReceiptStore>().ListAsync(old, CancellationToken.None));
        Assert.Empty(await harness.EventsAsync(old));
        Assert.DoesNotContain(await harness.Get<IUserOpenSessions>().ListAsync(user, CancellationToken.None), e => e.SessionId == old);
        var listed = (await harness.Get<IUserSessionIndex>().ListAsync(user, 100, null, CancellationToken.None)).SessionIds;
        Assert.DoesNotContain(old, listed);
        Assert.Contains(recent, listed);

        Assert.Equal(SessionStatus.RefundPending, (await store.GetAsync(refunding, CancellationToken.None))!.Status);
        Assert.Equal(SessionStatus.Pending, (await store.GetAsync(pending, CancellationToken.None))!.Status);
        var kept = await store.GetAsync(recent, CancellationToken.None);
        Assert.Equal(SessionStatus.Processed, kept!.Status);
        Assert.NotNull(await harness.Get<IProcessedInvoiceStore>().GetAsync(recent, recentInvoice, CancellationToken.None));
        Assert.All(kept.OrderIds, id => Assert.NotNull(harness.Get<IOrderStore>().GetAsync(user, id, CancellationToken.None).Result));
        Assert.NotEmpty(await harness.EventsAsync(recent));

        // One summary line with the counts, and the counter by kind.
        var line = Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Id == 5150);
        Assert.Contains(" 1 session(s) with ", line.Message);
        Assert.Equal(1, metrics.Sum("qpay.retention.removed", "kind=session"));
        Assert.Equal(2, metrics.Sum("qpay.retention.removed", "kind=order"));
        Assert.Equal(1, metrics.Sum("qpay.retention.removed", "kind=claim"));
    }

    [Fact]
    public async Task A_second_run_finds_nothing_more_to_remove_and_a_finished_session_still_in_the_index_is_kept()
    {
        var user = NewUser();
        var (harness, clock) = await StartAsync(user: user, settings: new Dictionary<string, string?> { ["SESSION_RETENTION_DAYS"] = "400" });
        await using var _ = harness;
        var (followed, _) = await ProcessedSessionAsync(harness, user);
        // Something still follows it (the reconciler's index holds it): not finished, whatever its status.
        await harness.Get<IPendingSessionIndex>().AddAsync(new PendingSessionEntry(followed, clock.GetUtcNow(), clock.GetUtcNow() + TimeSpan.FromDays(500)), CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(401));

        var first = await harness.Get<RetentionService>().RunAsync(CancellationToken.None);
        var second = await harness.Get<RetentionService>().RunAsync(CancellationToken.None);

        Assert.Equal(0, first.Of(RetentionKinds.Session));
        Assert.NotNull(await harness.Get<ISessionStore>().GetAsync(followed, CancellationToken.None));
        Assert.Empty(second.Removed);
    }

    [Fact]
    public async Task A_session_whose_rows_do_not_fit_one_run_keeps_its_session_row_until_the_next_run_removes_the_rest()
    {
        var user = NewUser();
        var (harness, clock) = await StartAsync(user: user, budget: 8, settings: new Dictionary<string, string?> { ["SESSION_RETENTION_DAYS"] = "400" });
        await using var _ = harness;
        var (sessionId, invoiceId) = await ProcessedSessionAsync(harness, user);
        harness.Get<IPaymentAudit>().Record(sessionId, new PaymentEvent(PaymentEventTypes.OrdersCreated));
        await harness.EventsAsync(sessionId);
        clock.Advance(TimeSpan.FromDays(401));

        var orderIds = (await harness.Get<ISessionStore>().GetAsync(sessionId, CancellationToken.None))!.OrderIds;
        var rows = (await harness.EventsAsync(sessionId)).Count + orderIds.Count + 1 /* claim */ + 1 /* receipt */;

        // Sessions get half of the 8 (after the index's and the keys' shares pass on unused): 4 rows a run, fewer than
        // this session has, so the session row stays (the next run finds the session again) until the last run. Its
        // events are also old enough for the audit step, which takes the other half; no run exceeds the 8.
        var runs = new List<RetentionSummary>();
        while (await harness.Get<ISessionStore>().GetAsync(sessionId, CancellationToken.None) is not null)
        {
            Assert.True(runs.Count < 10, "retention never finished the session");
            runs.Add(await harness.Get<RetentionService>().RunAsync(CancellationToken.None));
        }

        Assert.True(runs.Count >= 2, $"{rows} rows fit one run of 4");
        Assert.All(runs, run => Assert.InRange(run.Removed.Values.Sum(), 1, 8));
        Assert.All(runs[..^1], run => Assert.Equal(0, run.Of(RetentionKinds.Session)));
        Assert.Equal(1, runs[^1].Of(RetentionKinds.Session));
        // Orders may be counted twice: a run that stops before the claim deletes them again next time, and Azurite
        // answers a batch delete of rows already gone with success (Azure answers 404, which is not counted).
        Assert.Equal(1, runs.Sum(r => r.Of(RetentionKinds.Claim)));
        Assert.All(orderIds, id => Assert.Null(harness.Get<IOrderStore>().GetAsync(user, id, CancellationToken.None).Result));
        Assert.Null(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, CancellationToken.None));
        Assert.Empty(await harness.EventsAsync(sessionId));
    }

    [Fact]
    public async Task A_failing_step_is_logged_and_the_other_kinds_are_still_removed()
    {
        // A table name storage refuses: the idempotency step fails on every run.
        var (harness, clock) = await StartAsync(keysTable: "no_such-table!");
        await using var _ = harness;
        var session = NewId();
        for (var i = 0; i < 3; i++)
        {
            harness.Get<IPaymentAudit>().Record(session, new PaymentEvent(PaymentEventTypes.Seeded));
        }

        await harness.Get<PaymentEventTable>().FlushAsync(TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromDays(91));

        var summary = await harness.Get<RetentionService>().RunAsync(CancellationToken.None);

        Assert.Equal(1, summary.Failed);
        Assert.Equal(3, summary.Of(RetentionKinds.AuditEvent));
        var warning = Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Id == 5151);
        Assert.Contains(RetentionKinds.IdempotencyKey, warning.Message);
        Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Id == 5150);
    }

    private static async Task<(string SessionId, string InvoiceId)> ProcessedSessionAsync(PaymentsHarness harness, string user)
    {
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();
        await harness.ProcessReceiptQueueAsync();
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, CancellationToken.None))!.Status);
        return (sessionId, invoiceId);
    }

    /// <summary>A harness on a fake clock with its own events and idempotency tables, scanning only <paramref name="user"/>'s sessions.</summary>
    private static async Task<(PaymentsHarness Harness, FakeTimeProvider Clock)> StartAsync(
        DateTimeOffset? start = null, int? budget = null, string? user = null, IReadOnlyDictionary<string, string?>? settings = null, string? keysTable = null)
    {
        var clock = new FakeTimeProvider(start ?? DateTimeOffset.UtcNow);
        var id = Guid.NewGuid().ToString("N")[..16];
        var harness = await PaymentsHarness.StartAsync(settings: settings, services: s =>
        {
            PaymentsHarness.ImmediateRecovery(s);
            s.AddSingleton<TimeProvider>(clock);
            s.PostConfigure<PaymentOptions>(o => o.PaymentEventsTable = "TestEvents" + id);
            s.PostConfigure<StorageOptions>(o => o.IdempotencyKeysTable = keysTable ?? "TestKeys" + id);
            s.PostConfigure<RetentionOptions>(o =>
            {
                o.CursorPartition = "test-retention-" + id;
                o.SessionScanUserId = user ?? "nobody-" + id;
                o.RunBudget = budget ?? o.RunBudget;
            });
        });
        return (harness, clock);
    }

    private static string DuePartition(string prefix, DateTimeOffset hour) =>
        $"{prefix}-due-{hour.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}";

    private static DateTimeOffset Hour(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, at.UtcDateTime.Day, at.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static string NewUser() => "user-retention-" + Guid.NewGuid().ToString("N")[..8];
}
