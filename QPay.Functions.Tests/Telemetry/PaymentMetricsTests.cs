using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Payments;
using QPay.Functions.Tests.Infrastructure;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Tests.Telemetry;

/// <summary>
/// The app's metrics (README, "Metrics") after real flows against Azurite, Redis and the sandbox,
/// read with a <see cref="MeterListener"/> bound to the harness's own meter factory, so parallel
/// tests never see each other's measurements.
/// </summary>
public sealed class PaymentMetricsTests
{
    [Fact]
    public async Task A_paid_session_records_its_invoice_check_webhook_orders_and_token_login()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        using var metrics = new RecordedMetrics(harness);
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync(NewUser("user-mt-1"));
        var paymentId = await harness.PayAsync(invoiceId);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal(1, metrics.Sum("qpay.invoices.created"));
        Assert.Equal(0, metrics.Sum("qpay.invoices.failed"));
        Assert.Equal(1, metrics.Sum("qpay.token.logins"));
        Assert.Equal(0, metrics.Sum("qpay.token.refreshes"));
        var check = Assert.Single(metrics.Of("qpay.payment_check.calls"));
        Assert.Equal(1, check.Value);
        Assert.Equal(Tags(("result", "PAID")), check.Tags);
        var checkDuration = Assert.Single(metrics.Of("qpay.payment_check.duration"));
        Assert.Equal(Tags(("result", "PAID")), checkDuration.Tags);
        Assert.InRange(checkDuration.Value, double.Epsilon, 30);
        var webhook = Assert.Single(metrics.Of("qpay.webhook.outcomes"));
        Assert.Equal(Tags(("reason", "PROCESSED"), ("source", "public")), webhook.Tags);
        var webhookDuration = Assert.Single(metrics.Of("qpay.webhook.duration"));
        Assert.Equal(Tags(("reason", "PROCESSED"), ("source", "public")), webhookDuration.Tags);
        Assert.InRange(webhookDuration.Value, checkDuration.Value, 30); // the check is part of the webhook's time
        Assert.Equal(2, metrics.Sum("qpay.orders.created")); // one order per seller
    }

    [Fact]
    public async Task A_duplicate_callback_is_recorded_as_duplicate_without_another_check()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(NewUser("user-mt-2"));
        var paymentId = await harness.PayAsync(invoiceId);
        await harness.CallbackAsync(invoiceId, paymentId);
        using var metrics = new RecordedMetrics(harness);

        await harness.CallbackAsync(invoiceId, paymentId);
        await PaymentsHarness.InvokeAsync(
            harness.Function<WebhookFunctions>().InternalQPayWebhook,
            HttpRequests.Json("POST", new { invoiceId }, query: $"sessionId={sessionId}", headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));

        Assert.Equal(
            [Tags(("reason", "DUPLICATE"), ("source", "internal")), Tags(("reason", "DUPLICATE"), ("source", "public"))],
            metrics.Of("qpay.webhook.outcomes").Select(m => m.Tags).Order(StringComparer.Ordinal));
        Assert.All(metrics.Of("qpay.webhook.outcomes"), m => Assert.Equal(1, m.Value));
        Assert.Equal(2, metrics.Of("qpay.webhook.duration").Count);
        Assert.Empty(metrics.Of("qpay.payment_check.calls"));
    }

    [Fact]
    public async Task A_reconciler_round_recovering_a_lost_callback_records_due_backlog_visit_and_a_reconciler_outcome()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: PaymentsHarness.ImmediateRecovery);
        var (_, invoiceId) = await harness.SeedTwoSellerSessionAsync(NewUser("user-mt-3"));
        await harness.PayAsync(invoiceId); // its callback is lost
        using var metrics = new RecordedMetrics(harness);

        var summary = await harness.ReconcileAsync();

        Assert.Equal(1, summary.Recovered);
        Assert.Equal(1, metrics.Sum("qpay.reconciler.due"));
        Assert.Equal(0, Assert.Single(metrics.Of("qpay.reconciler.backlog")).Value); // the queue was empty when the timer ran
        var visit = Assert.Single(metrics.Of("qpay.reconciler.visits"));
        Assert.Equal((1d, Tags(("outcome", "RECOVERED"))), (visit.Value, visit.Tags));
        var outcome = Assert.Single(metrics.Of("qpay.webhook.outcomes"));
        Assert.Equal(Tags(("reason", "PROCESSED"), ("source", "reconciler")), outcome.Tags);
        Assert.Equal(Tags(("result", "PAID")), Assert.Single(metrics.Of("qpay.payment_check.calls")).Tags);
    }

    [Fact]
    public async Task A_rate_limited_status_poll_is_counted_by_its_limit()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["STATUS_RATE_LIMIT_PER_MINUTE"] = "1" });
        var user = NewUser("user-mt-4");
        var (sessionId, _) = await harness.SeedTwoSellerSessionAsync(user);
        using var metrics = new RecordedMetrics(harness);

        var first = await StatusAsync(harness, user, sessionId);
        var second = await StatusAsync(harness, user, sessionId);

        Assert.Equal([StatusCodes.Status200OK, StatusCodes.Status429TooManyRequests], new[] { first.Status, second.Status });
        var limited = Assert.Single(metrics.Of("qpay.rate_limited"));
        Assert.Equal((1d, Tags(("limit", "status"))), (limited.Value, limited.Tags));
    }

    [Fact]
    public async Task No_tag_value_ever_holds_a_session_invoice_payment_or_user_id()
    {
        await using var harness = await PaymentsHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["STATUS_RATE_LIMIT_PER_MINUTE"] = "1" },
            services: PaymentsHarness.ImmediateRecovery);
        using var metrics = new RecordedMetrics(harness);
        var user = NewUser("user-mt-5");
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var (lostSessionId, lostInvoiceId) = await harness.SeedTwoSellerSessionAsync(user);
        var paymentId = await harness.PayAsync(invoiceId);
        var lostPaymentId = await harness.PayAsync(lostInvoiceId);

        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.WebhookAsync($"sessionId={sessionId}&token=wrong");
        await harness.ReconcileAsync();
        await harness.ProcessOrderQueueAsync();
        await StatusAsync(harness, user, sessionId);
        await StatusAsync(harness, user, sessionId);

        var ids = new[] { sessionId, invoiceId, paymentId, lostSessionId, lostInvoiceId, lostPaymentId, user };
        Assert.True(metrics.All.Count >= 10, $"only {metrics.All.Count} measurements");
        Assert.Contains(metrics.All, m => m.Tags.Contains("INVALID_TOKEN", StringComparison.Ordinal));
        var leaks = metrics.All.Where(m => ids.Any(id => m.Tags.Contains(id, StringComparison.Ordinal))).ToList();
        Assert.Empty(leaks);
    }

    /// <summary>A user of its own: the rate-limit windows live in the shared Redis.</summary>
    private static string NewUser(string name) => name + "-" + Guid.NewGuid().ToString("N")[..8];

    private static string Tags(params (string Key, string Value)[] tags) =>
        string.Join(',', tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    private static Task<Answer> StatusAsync(PaymentsHarness harness, string userId, string sessionId) =>
        PaymentsHarness.InvokeAsync(
            harness.Function<StatusFunctions>().PaymentStatus,
            HttpRequests.Get($"sessionId={sessionId}", bearer: TestJwt.For(userId)));
}
