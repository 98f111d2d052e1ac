using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// The reconciler at scale and across instances (real Azurite, Redis and sandbox): the timer hands
/// out what is due through the reconcile queue, any instance visits, and no session is checked twice.
/// </summary>
public sealed class ReconcilerFanOutTests
{
    [Fact]
    public async Task More_than_200_due_sessions_are_all_handed_out_and_checked_in_one_run()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: PaymentsHarness.ImmediateRecovery);
        var seeded = await SeedManyAsync(harness, 240, "user-fan-many");
        var paid = seeded.Take(5).ToList();
        foreach (var (_, invoiceId) in paid)
        {
            await harness.PayAsync(invoiceId); // no callback is delivered
        }

        var run = await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync(maxRounds: 5);

        Assert.Equal((240, 240), (run.Dispatched.Due, run.Dispatched.Issued));
        Assert.Equal(240, run.Checked);
        Assert.Equal(5, run.Recovered);
        Assert.Equal(240, harness.QPayCalls(EndpointKeys.PaymentCheck));
        foreach (var (sessionId, _) in paid)
        {
            Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        }
    }

    [Fact]
    public async Task A_backlog_larger_than_a_page_is_read_in_pages_first_checks_first_and_never_beyond_what_is_due()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var index = harness.Get<IPendingSessionIndex>();
        var now = DateTimeOffset.UtcNow;
        // 1,100 sessions checked once already and due for their next look, 300 not due yet, and one
        // brand-new session whose first check came due last of all.
        var later = Enumerable.Range(0, 1_100).Select(i => new PendingSessionEntry($"later{i:D28}", now.AddHours(-1), now.AddSeconds(-30 + (i % 20)), Checks: 1)).ToList();
        var notDue = Enumerable.Range(0, 300).Select(i => new PendingSessionEntry($"notdue{i:D27}", now, now.AddMinutes(20), Checks: 1)).ToList();
        await Parallel.ForEachAsync(later.Concat(notDue), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (entry, _) => await index.AddAsync(entry, default));
        await Task.Delay(50);
        var fresh = new PendingSessionEntry("fresh" + new string('0', 27), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        await index.AddAsync(fresh, default);

        var page = await index.ListDueAsync(50, default);
        var all = await index.ListDueAsync(5_000, default);

        Assert.Equal(50, page.Count);
        Assert.Equal(fresh.SessionId, page[0].SessionId); // a first check is not stuck behind 1,100 later ones
        Assert.Equal(1_101, all.Count); // more than Table Storage's page of 1,000, and none of those not due
        Assert.Equal(1_101, all.Select(s => s.SessionId).Distinct().Count());
        Assert.DoesNotContain(all, s => s.SessionId.StartsWith("notdue", StringComparison.Ordinal));
        Assert.Equal(fresh.SessionId, all[0].SessionId);

        // Handed out, they leave the due list for their lease; removing and rescheduling are point operations.
        var issued = await Task.WhenAll(all.Take(200).Select(s => index.IssueAsync(s, TimeSpan.FromMinutes(10), default)));
        Assert.All(issued, Assert.NotNull);
        var removed = all[1_000].SessionId; // one not handed out
        await index.RemoveAsync(removed, default);
        Assert.Equal(1_101 - 200 - 1, (await index.ListDueAsync(5_000, default)).Count);
        Assert.Null(await index.GetAsync(removed, default));
        Assert.Equal(0, await harness.DueRowsAsync(removed));
        Assert.Equal(1, await harness.DueRowsAsync(all[0].SessionId)); // moved, not copied
    }

    [Fact]
    public async Task Two_instances_reconciling_at_once_check_each_session_once_even_with_every_message_delivered_twice()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: PaymentsHarness.ImmediateRecovery);
        var other = harness.StartInstance();
        var seeded = await SeedManyAsync(harness, 30, "user-fan-two");
        foreach (var (_, invoiceId) in seeded.Take(3))
        {
            await harness.PayAsync(invoiceId);
        }

        // Both instances' timers fire at the same moment and race for the same due entries.
        var runs = await Task.WhenAll(
            harness.Get<ReconcileDispatcher>().RunAsync(default),
            other.GetRequiredService<ReconcileDispatcher>().RunAsync(default));
        var messages = (await harness.ReconcileQueue().ReceiveMessagesAsync(32)).Value;
        // At-least-once delivery at its worst: every message reaches both instances at once.
        var visits = await Task.WhenAll(messages.Select(async m =>
        {
            var visit = ReconcileMessage.Parse(m.Body.ToString())!;
            return await Task.WhenAll(
                harness.Get<PaymentReconciler>().VisitAsync(visit, default),
                other.GetRequiredService<PaymentReconciler>().VisitAsync(visit, default));
        }));
        await harness.ProcessOrderQueueAsync(maxRounds: 3);

        Assert.Equal(30, runs.Sum(r => r.Issued));
        Assert.Equal(30, messages.Length);
        Assert.All(visits, pair => Assert.Single(pair, v => v != ReconcileVisit.Skipped));
        Assert.Equal(30, harness.QPayCalls(EndpointKeys.PaymentCheck));
        foreach (var (sessionId, _) in seeded.Take(3))
        {
            Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        }

        foreach (var (sessionId, _) in seeded.Skip(3))
        {
            Assert.Equal(1, (await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default))!.Checks);
        }
    }

    [Fact]
    public async Task A_message_redelivered_after_its_visit_checks_nothing()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
            s.PostConfigure<PaymentOptions>(o => o.ReconcileSchedule = [TimeSpan.Zero, TimeSpan.FromMinutes(10)]));
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-fan-redelivered");
        await harness.Get<ReconcileDispatcher>().RunAsync(default);
        var message = Assert.Single((await harness.ReconcileQueue().ReceiveMessagesAsync(32)).Value);
        var visit = ReconcileMessage.Parse(message.Body.ToString())!;

        var first = await harness.Get<PaymentReconciler>().VisitAsync(visit, default);
        var again = await harness.Get<PaymentReconciler>().VisitAsync(visit, default);

        Assert.Equal((ReconcileVisit.Checked, ReconcileVisit.Skipped), (first, again));
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentCheck));
        var entry = (await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default))!;
        Assert.Equal(1, entry.Checks);
        Assert.Equal(entry.CreatedAt + TimeSpan.FromMinutes(10), entry.NextCheckAt);
    }

    [Fact]
    public async Task A_host_stopping_mid_dispatch_loses_nothing_and_what_was_handed_out_comes_due_again_after_its_lease()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var stopping = new CancellationTokenSource();
        var sent = 0;
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.PostConfigure<PaymentOptions>(o => o.ReconcileSchedule = [TimeSpan.Zero, TimeSpan.FromDays(1)]);
            s.AddSingleton<IReconcileQueue>(sp => new StoppingQueue(ActivatorUtilities.CreateInstance<StorageReconcileQueue>(sp), () =>
            {
                if (Interlocked.Increment(ref sent) == 5)
                {
                    stopping.Cancel(); // the host is told to stop while the timer hands out visits
                }
            }));
        });
        var seeded = await SeedManyAsync(harness, 40, "user-fan-stop");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Get<ReconcileDispatcher>().RunAsync(stopping.Token));
        var taken = await harness.VisitQueuedAsync();
        var rest = await harness.ReconcileAsync(); // what the stopped run never reached is still due
        clock.Advance(TimeSpan.FromMinutes(10)); // handed out but never sent: due again after the lease
        var leased = await harness.ReconcileAsync();
        var after = await harness.ReconcileAsync();

        Assert.InRange(taken.Count, 5, 40);
        Assert.Equal(40, taken.Count(v => v == ReconcileVisit.Checked) + rest.Checked + leased.Checked);
        Assert.Equal(0, after.Dispatched.Issued);
        Assert.Equal(40, harness.QPayCalls(EndpointKeys.PaymentCheck));
        foreach (var (sessionId, _) in seeded)
        {
            Assert.Equal(1, (await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default))!.Checks);
        }
    }

    [Fact]
    public async Task A_host_stopping_mid_visit_gives_the_visit_back_and_the_redelivered_message_checks_once()
    {
        using var stopping = new CancellationTokenSource();
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
        {
            PaymentsHarness.ImmediateRecovery(s);
            s.AddSingleton<ISessionStore>(sp => new StoppingSessionStore(ActivatorUtilities.CreateInstance<SessionTableStore>(sp), stopping));
        });
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-fan-stop-visit");
        await harness.PayAsync(invoiceId); // no callback is delivered
        await harness.Get<ReconcileDispatcher>().RunAsync(default);
        var visit = ReconcileMessage.Parse(Assert.Single((await harness.ReconcileQueue().ReceiveMessagesAsync(32)).Value).Body.ToString())!;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Get<PaymentReconciler>().VisitAsync(visit, stopping.Token));
        var checksWhileStopping = harness.QPayCalls(EndpointKeys.PaymentCheck);
        var redelivered = await harness.Get<PaymentReconciler>().VisitAsync(visit, default);
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(0, checksWhileStopping);
        Assert.Equal(ReconcileVisit.Recovered, redelivered);
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentCheck));
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
    }

    [Fact]
    public async Task A_stop_that_arrives_during_the_qpay_check_lets_the_visit_record_it()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
            s.PostConfigure<PaymentOptions>(o => o.ReconcileSchedule = [TimeSpan.Zero, TimeSpan.FromMinutes(10)]));
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-fan-stop-check");
        await harness.Get<ReconcileDispatcher>().RunAsync(default);
        var visit = ReconcileMessage.Parse(Assert.Single((await harness.ReconcileQueue().ReceiveMessagesAsync(32)).Value).Body.ToString())!;
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentCheck, DelayMs = 1500, Count = 1 });
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));

        var result = await harness.Get<PaymentReconciler>().VisitAsync(visit, stopping.Token);

        Assert.True(stopping.IsCancellationRequested);
        Assert.Equal(ReconcileVisit.Checked, result);
        Assert.Equal(1, (await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default))!.Checks);
        Assert.Equal(ReconcileVisit.Skipped, await harness.Get<PaymentReconciler>().VisitAsync(visit, default));
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.PaymentCheck));
    }

    [Fact]
    public async Task Entries_of_the_former_single_partition_index_are_moved_and_reconciled()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: PaymentsHarness.ImmediateRecovery);
        var seeded = await SeedManyAsync(harness, 3, "user-fan-legacy");
        await harness.PayAsync(seeded[0].InvoiceId);
        var index = harness.Get<IPendingSessionIndex>();
        var table = await harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var legacy = harness.Get<Microsoft.Extensions.Options.IOptions<PaymentOptions>>().Value.LegacyPendingIndexPartition;
        foreach (var (sessionId, _) in seeded)
        {
            // As the former index wrote them: PK the single partition, RK the session id.
            await index.RemoveAsync(sessionId, default);
            await table.UpsertEntityAsync(new TableEntity(legacy, sessionId)
            {
                ["CreatedAt"] = DateTimeOffset.UtcNow.AddMinutes(-5),
                ["NextCheckAt"] = DateTimeOffset.UtcNow.AddMinutes(-1),
                ["Checks"] = 0,
                ["Failures"] = 0,
                ["Requeues"] = 0,
            });
        }

        var run = await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(3, run.Dispatched.Migrated);
        Assert.Equal((3, 1), (run.Checked, run.Recovered));
        Assert.Empty(table.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {legacy}")).ToList());
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(seeded[0].SessionId, default))!.Status);
        Assert.Equal(0, (await harness.ReconcileAsync()).Dispatched.Migrated);
    }

    [Fact]
    public async Task A_visit_still_running_when_its_lease_ends_is_not_handed_out_again_and_one_that_died_counts_as_its_check()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await PaymentsHarness.StartAsync(services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.PostConfigure<PaymentOptions>(o => o.ReconcileSchedule = [TimeSpan.Zero, TimeSpan.FromDays(1)]);
        });
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync("user-fan-held");
        var dispatcher = harness.Get<ReconcileDispatcher>();
        var index = harness.Get<IPendingSessionIndex>();
        await dispatcher.RunAsync(default);
        var first = ReconcileMessage.Parse(Assert.Single((await harness.ReconcileQueue().ReceiveMessagesAsync(32)).Value).Body.ToString())!;
        clock.Advance(TimeSpan.FromMinutes(7)); // the message waited in a busy queue
        Assert.NotNull(await index.BeginVisitAsync(sessionId, first.Ticket, TimeSpan.FromMinutes(5), default)); // a visit runs, and then its host dies

        clock.Advance(TimeSpan.FromMinutes(3)); // the lease of the hand-out ends while the visit still holds the session
        var whileHeld = await dispatcher.RunAsync(default);
        clock.Advance(TimeSpan.FromMinutes(3)); // the hold ends: the visit never finished
        var afterHold = await dispatcher.RunAsync(default);
        var visits = await harness.VisitQueuedAsync();
        var redelivered = await harness.Get<PaymentReconciler>().VisitAsync(first, default);

        Assert.Equal((1, 0), (whileHeld.Due, whileHeld.Issued));
        Assert.Equal(1, afterHold.Issued);
        Assert.Equal([ReconcileVisit.Waiting], visits);
        Assert.Equal(ReconcileVisit.Skipped, redelivered);
        Assert.Equal(0, harness.QPayCalls(EndpointKeys.PaymentCheck)); // the dead visit may have asked: no second check
        var entry = (await index.GetAsync(sessionId, default))!;
        Assert.Equal((1, PaymentReconciler.InterruptedOutcome), (entry.Checks, entry.LastOutcome));
        Assert.Equal(1, await harness.DueRowsAsync(sessionId));
    }

    [Fact]
    public async Task Without_a_cursor_the_listing_starts_at_the_oldest_hour_that_holds_due_rows()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var index = harness.Get<IPendingSessionIndex>();
        await index.AddAsync(new PendingSessionEntry("waiting" + new string('0', 25), clock.GetUtcNow(), clock.GetUtcNow()), default);
        clock.Advance(TimeSpan.FromHours(6)); // nothing listed for hours: no timer ran since the entry was written

        var due = await index.ListDueAsync(10, default);

        Assert.Equal("waiting" + new string('0', 25), due.Single().SessionId);
    }

    [Fact]
    public async Task The_cursor_passes_hours_left_empty_and_still_finds_what_comes_due_later()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var index = harness.Get<IPendingSessionIndex>();
        var start = clock.GetUtcNow();
        await index.AddAsync(new PendingSessionEntry("early" + new string('0', 27), start, start), default);
        await index.AddAsync(new PendingSessionEntry("late" + new string('0', 28), start, start.AddHours(5)), default);

        var first = await index.ListDueAsync(10, default);
        await index.RemoveAsync(first.Single().SessionId, default);
        clock.Advance(TimeSpan.FromHours(3));
        Assert.Empty(await index.ListDueAsync(10, default));
        var cursor = await CursorAsync(harness);
        clock.Advance(TimeSpan.FromHours(2));
        var late = await index.ListDueAsync(10, default);

        Assert.Equal("early" + new string('0', 27), first.Single().SessionId);
        Assert.Equal(Hour(start.AddHours(2)), cursor); // an hour is passed once it was read empty and is an hour behind
        Assert.Equal("late" + new string('0', 28), late.Single().SessionId);
        Assert.Equal(Hour(start.AddHours(4)), await CursorAsync(harness));

        static DateTimeOffset Hour(DateTimeOffset at) => new(at.Year, at.Month, at.Day, at.Hour, 0, 0, TimeSpan.Zero);
    }

    [Fact]
    public async Task A_due_row_no_home_row_points_to_is_never_handed_out()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var index = harness.Get<IPendingSessionIndex>();
        var entry = new PendingSessionEntry("stray" + new string('0', 27), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        await index.AddAsync(entry, default);
        var stray = Assert.Single(await index.ListDueAsync(10, default));
        await index.AddAsync(entry with { NextCheckAt = DateTimeOffset.UtcNow }, default); // moved: the first row is replaced
        var table = await harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);
        await table.UpsertEntityAsync(new TableEntity(stray.Partition, stray.Row) { ["SessionId"] = stray.SessionId }); // as if a crash had left it

        var due = await index.ListDueAsync(10, default);
        var issued = await Task.WhenAll(due.Select(s => index.IssueAsync(s, TimeSpan.FromMinutes(10), default)));

        Assert.Equal(2, due.Count);
        Assert.Single(issued, i => i is not null);
        Assert.Null(await index.IssueAsync(stray, TimeSpan.FromMinutes(10), default));
        Assert.Equal(2, await harness.DueRowsAsync(stray.SessionId)); // a fresh stray row is left for later: it may be a writer's next step
    }

    private static async Task<DateTimeOffset?> CursorAsync(PaymentsHarness harness)
    {
        var prefix = harness.Get<Microsoft.Extensions.Options.IOptions<PaymentOptions>>().Value.PendingIndexPartition;
        var table = await harness.Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(prefix + "-cursor", "cursor");
        return row.HasValue ? row.Value!.GetDateTimeOffset("Hour") : null;
    }

    /// <summary>Seeds <paramref name="count"/> two-seller sessions, a few at a time, each for its own user.</summary>
    private static async Task<List<(string SessionId, string InvoiceId)>> SeedManyAsync(PaymentsHarness harness, int count, string users)
    {
        var seeded = new (string, string)[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            seeded[i] = await harness.SeedTwoSellerSessionAsync($"{users}-{i}"));
        return [.. seeded];
    }

    /// <summary>The real queue, telling the test each time a visit is sent.</summary>
    private sealed class StoppingQueue(IReconcileQueue inner, Action sent) : IReconcileQueue
    {
        public async Task EnqueueAsync(ReconcileMessage message, CancellationToken cancellationToken)
        {
            await inner.EnqueueAsync(message, cancellationToken);
            sent();
        }

        public Task<int> DepthAsync(CancellationToken cancellationToken) => inner.DepthAsync(cancellationToken);
    }

    /// <summary>The real store; the first read of a session tells the host to stop, as a shutdown arriving mid-visit.</summary>
    private sealed class StoppingSessionStore(ISessionStore inner, CancellationTokenSource stopping) : ISessionStore
    {
        public Task CreateAsync(PaymentSession session, PendingSessionEntry? reconcileEntry, CancellationToken cancellationToken) =>
            inner.CreateAsync(session, reconcileEntry, cancellationToken);

        public async Task<PaymentSession?> GetAsync(string sessionId, CancellationToken cancellationToken)
        {
            var session = await inner.GetAsync(sessionId, CancellationToken.None);
            if (cancellationToken == stopping.Token && !stopping.IsCancellationRequested)
            {
                await stopping.CancelAsync();
            }

            return session;
        }

        public Task<PaymentSession?> UpdateAsync(string sessionId, Func<PaymentSession, PaymentSession?> change, CancellationToken cancellationToken) =>
            inner.UpdateAsync(sessionId, change, cancellationToken);

        public Task<PaymentSession?> UpdateAsync(string sessionId, Func<PaymentSession, CancellationToken, Task<PaymentSession?>> change, CancellationToken cancellationToken) =>
            inner.UpdateAsync(sessionId, change, cancellationToken);
    }
}
