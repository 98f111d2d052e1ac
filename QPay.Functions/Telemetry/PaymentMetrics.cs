using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace QPay.Functions.Telemetry;

/// <summary>
/// The app's one meter (<see cref="MeterName"/>) and every instrument on it, exported through
/// OpenTelemetry to Azure Monitor with the traces (see <c>TelemetryExtensions</c>); names, units and
/// tags are listed in the README ("Metrics"). Tags are low-cardinality codes only: never a session,
/// invoice, payment or user id, a token or an amount.
/// </summary>
public sealed class PaymentMetrics
{
    public const string MeterName = "QPay.Payments";

    private readonly Counter<long> _webhookOutcomes;
    private readonly Histogram<double> _webhookDuration;
    private readonly Counter<long> _paymentChecks;
    private readonly Histogram<double> _paymentCheckDuration;
    private readonly Counter<long> _tokenLogins;
    private readonly Counter<long> _tokenRefreshes;
    private readonly Counter<long> _invoicesCreated;
    private readonly Counter<long> _invoicesFailed;
    private readonly Counter<long> _ordersCreated;
    private readonly Counter<long> _reconcilerDue;
    private readonly Counter<long> _reconcilerVisits;
    private readonly Gauge<int> _reconcilerBacklog;
    private readonly Counter<long> _refunds;
    private readonly Counter<long> _receipts;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _auditDropped;
    private readonly Counter<long> _ledgerPayments;
    private readonly Counter<long> _ledgerUnmatched;
    private readonly Counter<long> _ledgerRuns;
    private readonly Counter<long> _statusWaits;
    private readonly Counter<long> _retentionRemoved;
    private readonly Counter<long> _storageRequests;

    public PaymentMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _webhookOutcomes = meter.CreateCounter<long>("qpay.webhook.outcomes", "{outcome}", "Payment verifications by source (public, internal, reconciler) and reason.");
        _webhookDuration = meter.CreateHistogram<double>("qpay.webhook.duration", "s", "Time to decide one verification, by source and reason.");
        _paymentChecks = meter.CreateCounter<long>("qpay.payment_check.calls", "{call}", "QPay payment/check calls by result.");
        _paymentCheckDuration = meter.CreateHistogram<double>("qpay.payment_check.duration", "s", "Duration of a QPay payment/check (all its pages), by result.");
        _tokenLogins = meter.CreateCounter<long>("qpay.token.logins", "{login}", "QPay tokens obtained with the client credentials.");
        _tokenRefreshes = meter.CreateCounter<long>("qpay.token.refreshes", "{refresh}", "QPay token refreshes by outcome (success, rejected).");
        _invoicesCreated = meter.CreateCounter<long>("qpay.invoices.created", "{invoice}", "QPay invoices created for new payment sessions.");
        _invoicesFailed = meter.CreateCounter<long>("qpay.invoices.failed", "{invoice}", "QPay invoice creations that failed, by whether the outcome is unknown (ambiguous).");
        _ordersCreated = meter.CreateCounter<long>("qpay.orders.created", "{order}", "Orders created (one per seller of a paid session).");
        _reconcilerDue = meter.CreateCounter<long>("qpay.reconciler.due", "{session}", "Due sessions the reconciler timer read from its index.");
        _reconcilerVisits = meter.CreateCounter<long>("qpay.reconciler.visits", "{visit}", "Reconciler visits by outcome.");
        _reconcilerBacklog = meter.CreateGauge<int>("qpay.reconciler.backlog", "{message}", "Messages waiting in the reconcile queue when the timer ran.");
        _refunds = meter.CreateCounter<long>("qpay.refunds", "{refund}", "Payment refunds by status reached (REFUNDED, MANUAL, RETRYING).");
        _receipts = meter.CreateCounter<long>("qpay.ebarimt.receipts", "{receipt}", "E-receipt (ebarimt) operations by status reached (REGISTERED, CANCELLED, RETRYING, FAILED).");
        _rateLimited = meter.CreateCounter<long>("qpay.rate_limited", "{request}", "Requests refused by a rate limit (per user; check-now per session), by limit (status, seed, check-now).");
        _auditDropped = meter.CreateCounter<long>("qpay.audit.dropped", "{event}", "Audit trail events not written, by reason (full: the in-memory queue was full; failed: storage refused them).");
        _retentionRemoved = meter.CreateCounter<long>("qpay.retention.removed", "{row}", "Rows the retention timer removed, by kind (audit-event, pending-index, idempotency-key, session, claim, order, refund, receipt, session-event).");
        _ledgerPayments = meter.CreateCounter<long>("qpay.ledger.payments", "{payment}", "PAID payments the daily ledger check looked at, by result (matched, recovered, unresolved, unmatched).");
        _ledgerUnmatched = meter.CreateCounter<long>("qpay.ledger.unmatched", "{payment}", "PAID payments the ledger check could match to no session (or that their claim and refunds do not cover).");
        _ledgerRuns = meter.CreateCounter<long>("qpay.ledger.runs", "{run}", "Ledger check runs by status (completed, failed).");
        _statusWaits = meter.CreateCounter<long>("qpay.status.waits", "{request}", "Live status requests (waitSec) by outcome (changed, timeout, immediate, unavailable, gone).");
        _storageRequests = meter.CreateCounter<long>("qpay.storage.requests", "{request}", "Requests of the app's Table and Queue clients (each retry counts: a billed transaction), by service (table, queue) and HTTP method.");
    }

    /// <summary>The <c>source</c> tag of <c>qpay.webhook.*</c>.</summary>
    public static class Sources
    {
        public const string Public = "public";
        public const string Internal = "internal";
        public const string Reconciler = "reconciler";

        /// <summary>An operator's "check now" (the admin route).</summary>
        public const string Admin = "admin";
    }

    /// <param name="reason">PROCESSED, or the webhook reason code (DUPLICATE, NOT_PAID…).</param>
    public void WebhookHandled(string source, string reason, TimeSpan duration)
    {
        var tags = new TagList { { "source", source }, { "reason", reason } };
        _webhookOutcomes.Add(1, tags);
        _webhookDuration.Record(duration.TotalSeconds, tags);
    }

    /// <param name="result">PAID, NOT_PAID, AMOUNT_MISMATCH or FAILED.</param>
    public void PaymentChecked(string result, TimeSpan duration)
    {
        var tags = new TagList { { "result", result } };
        _paymentChecks.Add(1, tags);
        _paymentCheckDuration.Record(duration.TotalSeconds, tags);
    }

    public void TokenLoggedIn() => _tokenLogins.Add(1);

    /// <param name="outcome">success, or rejected (QPay refused the refresh token; a login follows).</param>
    public void TokenRefreshed(string outcome) => _tokenRefreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void InvoiceCreated() => _invoicesCreated.Add(1);

    public void InvoiceFailed(bool ambiguous) => _invoicesFailed.Add(1, new KeyValuePair<string, object?>("ambiguous", ambiguous));

    public void OrdersCreated(int count) => _ordersCreated.Add(count);

    public void ReconcileDue(int count) => _reconcilerDue.Add(count);

    /// <param name="outcome">The visit's outcome, upper case (CHECKED, RECOVERED, REQUEUED…).</param>
    public void ReconcileVisited(string outcome) => _reconcilerVisits.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void ReconcileBacklog(int waiting) => _reconcilerBacklog.Record(waiting);

    public void Refund(string status) => _refunds.Add(1, new KeyValuePair<string, object?>("status", status));

    public void Receipt(string status) => _receipts.Add(1, new KeyValuePair<string, object?>("status", status));

    /// <param name="limit">status, seed or check-now (per session).</param>
    public void RateLimited(string limit) => _rateLimited.Add(1, new KeyValuePair<string, object?>("limit", limit));

    /// <param name="reason">full or failed.</param>
    public void AuditDropped(int count, string reason) => _auditDropped.Add(count, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>An admin "check now": recorded as a webhook outcome of source <see cref="Sources.Admin"/>.</summary>
    /// <param name="reason">PROCESSED, a webhook reason code, or NOT_PENDING / NO_INVOICE (QPay was not asked).</param>
    public void CheckedNow(string reason, TimeSpan duration) => WebhookHandled(Sources.Admin, reason, duration);

    /// <param name="kind">One of the retention kinds (audit-event, pending-index, idempotency-key, session…).</param>
    public void RetentionRemoved(string kind, int count) => _retentionRemoved.Add(count, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>A PAID payment the ledger check looked at, by <paramref name="result"/> (matched, recovered, unresolved, unmatched).</summary>
    public void LedgerPayment(string result) => _ledgerPayments.Add(1, new KeyValuePair<string, object?>("result", result));

    public void LedgerUnmatched() => _ledgerUnmatched.Add(1);

    /// <summary>A ledger run that ended with <paramref name="status"/> (completed, failed).</summary>
    public void LedgerRun(string status) => _ledgerRuns.Add(1, new KeyValuePair<string, object?>("status", status));

    /// <summary>A status request with waitSec ended: <paramref name="outcome"/> is changed, timeout, immediate, unavailable (Redis) or gone (the client).</summary>
    public void StatusWaited(string outcome) => _statusWaits.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>One request of the app's storage clients to <paramref name="service"/> (table, queue).</summary>
    public void StorageRequested(string service, string method) => _storageRequests.Add(
        1, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("method", method));
}
