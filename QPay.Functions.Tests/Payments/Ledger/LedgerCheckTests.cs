using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Functions;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Ledger;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.QPayApi;
using QPay.Functions.Telemetry;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments.Ledger;

/// <summary>
/// The daily ledger check against the sandbox's payment/list: what QPay holds for a UTC day is
/// matched to our claims and refunds, a missed payment is recovered at once, a foreign one is
/// reported. The sandbox dates payments by the real clock, so each test checks the day its
/// payments were made on (the app's clock is the real one too, so that day is never "future").
/// </summary>
public sealed class LedgerCheckTests
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    [Fact]
    public async Task A_paid_invoice_whose_callback_was_lost_is_recovered_by_the_run_of_its_day()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        using var metrics = new RecordedMetrics(harness);
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(User());
        var paymentId = await harness.PayAsync(invoiceId); // no callback, and the reconciler never runs here
        var day = DayOf(harness, paymentId);

        var before = await GetAsync(harness, day);
        var run = await RunAsync(harness, day);
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(404, before.Status);
        Assert.Equal("NOT_FOUND", before.Error);
        Assert.Equal(200, run.Status);
        Assert.Equal("completed", run.Body.GetProperty("status").GetString());
        Assert.Equal(1, run.Body.GetProperty("paid").GetInt32());
        Assert.Equal(1, run.Body.GetProperty("recovered").GetInt32());
        Assert.Equal(0, run.Body.GetProperty("matched").GetInt32());
        Assert.Equal(0, run.Body.GetProperty("unmatched").GetInt32());
        Assert.Equal(SessionStatus.Processed, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        var recovered = Assert.Single(await harness.EventsAsync(sessionId), e => e.Event.Type == PaymentEventTypes.LedgerRecovered);
        Assert.Equal(("ledger", paymentId, invoiceId), (recovered.Event.Source, recovered.Event.PaymentId, recovered.Event.InvoiceId));
        Assert.Equal(["result=recovered"], metrics.Of("qpay.ledger.payments").Select(m => m.Tags));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "LedgerPaymentRecovered" && r.Message.Contains(paymentId, StringComparison.Ordinal));

        // Run again: the claim made by the first run covers it now; GET answers the stored run.
        var again = await RunAsync(harness, day);
        var stored = await GetAsync(harness, day);
        Assert.Equal((1, 0), (again.Body.GetProperty("matched").GetInt32(), again.Body.GetProperty("recovered").GetInt32()));
        Assert.Equal(200, stored.Status);
        Assert.Equal(again.Body.GetProperty("ranAt").GetDateTimeOffset(), stored.Body.GetProperty("ranAt").GetDateTimeOffset());
        Assert.Equal(1, stored.Body.GetProperty("matched").GetInt32());
        Assert.Equal(day, stored.Body.GetProperty("date").GetString());
    }

    [Fact]
    public async Task A_payment_of_an_invoice_that_is_not_ours_is_unmatched_listed_logged_and_counted()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        using var metrics = new RecordedMetrics(harness);
        var qpay = harness.Get<IQPayClient>();
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(User());
        // One invoice made elsewhere under our merchant, one naming a session of ours that is not that session's invoice.
        var foreign = await qpay.CreateInvoiceAsync(new CreateInvoiceRequest("elsewhere-" + Guid.NewGuid().ToString("N")[..8], "Not ours", 1000m, new Uri("https://example.com/cb")), default);
        var stray = await qpay.CreateInvoiceAsync(new CreateInvoiceRequest(sessionId, "Second invoice", 1000m, new Uri("https://example.com/cb")), default);
        var foreignPayment = await harness.PayAsync(foreign.InvoiceId);
        var strayPayment = await harness.PayAsync(stray.InvoiceId);
        var day = DayOf(harness, foreignPayment);

        var run = await RunAsync(harness, day);

        Assert.Equal(200, run.Status);
        Assert.Equal(2, run.Body.GetProperty("unmatched").GetInt32());
        Assert.Equal(0, run.Body.GetProperty("recovered").GetInt32());
        Assert.Equal(
            new[] { foreignPayment, strayPayment }.Order(),
            run.Body.GetProperty("unmatchedPaymentIds").EnumerateArray().Select(e => e.GetString()!).Order());
        var errors = harness.Logs.GetSnapshot().Where(r => r.Id.Name == "LedgerPaymentUnmatched").ToList();
        Assert.All(errors, r => Assert.Equal(LogLevel.Error, r.Level));
        Assert.Contains(errors, r => r.Message.Contains(foreignPayment, StringComparison.Ordinal) && r.Message.Contains(foreign.InvoiceId, StringComparison.Ordinal));
        Assert.Contains(errors, r => r.Message.Contains(strayPayment, StringComparison.Ordinal));
        Assert.Equal(2, metrics.Sum("qpay.ledger.unmatched"));
        Assert.Equal(["result=unmatched", "result=unmatched"], metrics.Of("qpay.ledger.payments").Select(m => m.Tags));
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        var stored = await GetAsync(harness, day);
        Assert.Equal(2, stored.Body.GetProperty("unmatchedPaymentIds").GetArrayLength());
    }

    [Fact]
    public async Task Claimed_payments_and_refunded_payments_are_matched()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var user = User();
        var (_, claimedInvoice) = await harness.SeedTwoSellerSessionAsync(user);
        var claimedPayment = await harness.PayAsync(claimedInvoice);
        Assert.Equal(200, (await harness.CallbackAsync(claimedInvoice, claimedPayment)).Status);
        await harness.ProcessOrderQueueAsync();
        // Underpaid, then cancelled: its payment is refunded (by hand: a bank transfer) and no claim exists.
        var (refundedSession, refundedInvoice) = await harness.SeedTwoSellerSessionAsync(user);
        var refundedPayment = await harness.PayAsync(refundedInvoice, amount: 1000m);
        Assert.Equal(200, (await harness.CancelAsync(user, refundedSession)).Status);
        await harness.ProcessRefundQueueAsync();
        Assert.Contains(await harness.Get<IRefundLedger>().ListAsync(refundedSession, default), r => r.PaymentId == refundedPayment);
        var checks = harness.QPayCalls(EndpointKeys.PaymentCheck);

        var run = await RunAsync(harness, DayOf(harness, claimedPayment));

        Assert.Equal(200, run.Status);
        Assert.Equal((2, 2, 0, 0), (run.Body.GetProperty("paid").GetInt32(), run.Body.GetProperty("matched").GetInt32(), run.Body.GetProperty("recovered").GetInt32(), run.Body.GetProperty("unmatched").GetInt32()));
        Assert.Equal(checks, harness.QPayCalls(EndpointKeys.PaymentCheck)); // matching asked QPay for no verification
    }

    [Fact]
    public async Task Every_page_is_read_and_a_day_longer_than_the_page_limit_is_marked_truncated()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.PostConfigure<PaymentOptions>(o => o.LedgerPageLimit = 2));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(User());
        var payments = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            payments.Add(await harness.PayAsync(invoiceId, amount: Carts.TwoSellersMnt / 5));
        }

        var day = DayOf(harness, payments[0]);

        var run = await RunAsync(harness, day);

        // The first payment's verification claims all five; the other four are then covered by that claim.
        Assert.Equal(200, run.Status);
        Assert.Equal((5, 5, 3, false), (run.Body.GetProperty("listed").GetInt32(), run.Body.GetProperty("paid").GetInt32(), run.Body.GetProperty("pages").GetInt32(), run.Body.GetProperty("truncated").GetBoolean()));
        Assert.Equal((1, 4), (run.Body.GetProperty("recovered").GetInt32(), run.Body.GetProperty("matched").GetInt32()));
        Assert.Equal(SessionStatus.Paid, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);

        harness.Get<IOptions<PaymentOptions>>().Value.LedgerMaxPages = 2;
        var truncated = await RunAsync(harness, day);

        Assert.Equal((4, 2, true), (truncated.Body.GetProperty("listed").GetInt32(), truncated.Body.GetProperty("pages").GetInt32(), truncated.Body.GetProperty("truncated").GetBoolean()));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "LedgerRunTruncated");
    }

    [Fact]
    public async Task With_qpay_failing_the_run_is_stored_as_failed_and_a_later_post_succeeds()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(User());
        var paymentId = await harness.PayAsync(invoiceId);
        var day = DayOf(harness, paymentId);
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentList, Status = 500, Error = "SYSTEM_BUSY", Count = 1_000 });

        var failed = await RunAsync(harness, day);
        var stored = await GetAsync(harness, day);
        harness.Sandbox.ClearFaults();
        var retried = await RunAsync(harness, day);

        Assert.Equal(502, failed.Status);
        Assert.Equal("QPAY_LIST_FAILED", failed.Error);
        Assert.Equal(200, stored.Status);
        Assert.Equal("failed", stored.Body.GetProperty("status").GetString());
        Assert.Equal("SYSTEM_BUSY", stored.Body.GetProperty("error").GetString());
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "LedgerRunFailed" && r.Level == LogLevel.Error);
        Assert.Equal(200, retried.Status);
        Assert.Equal("completed", retried.Body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKindNull, retried.Body.GetProperty("error").ValueKind);
        Assert.Equal(1, retried.Body.GetProperty("recovered").GetInt32());
        Assert.Equal("completed", (await GetAsync(harness, day)).Body.GetProperty("status").GetString());
        Assert.Equal(SessionStatus.Paid, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);

        // QPay failing again later does not wipe the day's completed findings.
        harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.PaymentList, Status = 500, Error = "SYSTEM_BUSY", Count = 1_000 });
        Assert.Equal(502, (await RunAsync(harness, day)).Status);
        var kept = await GetAsync(harness, day);
        Assert.Equal(("completed", 1), (kept.Body.GetProperty("status").GetString(), kept.Body.GetProperty("recovered").GetInt32()));
    }

    [Fact]
    public async Task The_daily_timer_checks_yesterday_and_runs_a_failed_or_missed_earlier_day_again()
    {
        var (harness, clock) = await PaymentsHarness.StartWithFakeClockAsync();
        await using var _ = harness;
        var ledger = harness.Get<LedgerCheck>();
        var today = LedgerDates.Today(clock);
        var failedDay = today.AddDays(-3);
        var completedDay = today.AddDays(-2);
        var missedDay = today.AddDays(-4); // the timer did not run that day: no row at all
        // Stored as QPay failing leaves it (With_qpay_failing_... makes a real one; on this fake clock the retry waits would never end).
        await harness.Get<ILedgerRunStore>().SaveAsync(
            new LedgerRun(LedgerDates.Format(failedDay), clock.GetUtcNow(), LedgerRunStatus.Failed, 0, 0, 0, 0, 0, 0, 0, false, [], [], "SYSTEM_BUSY"), default);
        Assert.False((await ledger.RunAsync(completedDay, default)).IsFailed);
        var completedAt = (await ledger.GetAsync(completedDay, default))!.RanAt;
        clock.Advance(TimeSpan.FromMinutes(5));

        await harness.Function<LedgerFunctions>().DailyLedgerCheck(null!, default);

        Assert.Equal(LedgerRunStatus.Completed, (await ledger.GetAsync(today.AddDays(-1), default))?.Status);
        Assert.Equal(LedgerRunStatus.Completed, (await ledger.GetAsync(failedDay, default))?.Status);
        Assert.Equal(LedgerRunStatus.Completed, (await ledger.GetAsync(missedDay, default))?.Status);
        Assert.Null(await ledger.GetAsync(today.AddDays(-5), default)); // beyond the days it looks back
        Assert.Equal(completedAt, (await ledger.GetAsync(completedDay, default))!.RanAt); // a completed day is left alone
        Assert.Null(await ledger.GetAsync(today, default));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    private static string User() => "ledger-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>The UTC day the sandbox dated the payment on.</summary>
    private static string DayOf(PaymentsHarness harness, string paymentId) =>
        harness.Sandbox.State.FindPayment(paymentId)!.PaidAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static Task<Answer> RunAsync(PaymentsHarness harness, string date) =>
        PaymentsHarness.InvokeAsync(
            (request, token) => harness.Function<LedgerFunctions>().RunLedgerCheck(request, date, token),
            HttpRequests.Raw("POST", null, headers: Internal));

    private static Task<Answer> GetAsync(PaymentsHarness harness, string date) =>
        PaymentsHarness.InvokeAsync(
            (request, token) => harness.Function<LedgerFunctions>().GetLedgerRun(request, date, token),
            HttpRequests.Get(string.Empty, headers: Internal));
}
