using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;

namespace QPay.Functions.Payments;

/// <summary>Business settings of the payment flow.</summary>
public sealed class PaymentOptions
{
    /// <summary>The bounds of a session's life (PAYMENT_SESSION_EXPIRY_SEC, the internal seed's ttlSec).</summary>
    public const int MinSessionLifeSeconds = 60;
    public const int MaxSessionLifeSeconds = 7 * 24 * 3600;

    /// <summary>Public base URL QPay calls back (the function app's URL), without a trailing slash.</summary>
    [ConfigurationKeyName("QPAY_CALLBACK_PUBLIC_BASE_URL")]
    public string? CallbackPublicBaseUrl { get; set; }

    /// <summary>MNT per USD; carts are priced in USD, invoices in whole MNT.</summary>
    [ConfigurationKeyName("QPAY_USD_TO_MNT_RATE")]
    public decimal UsdToMntRate { get; set; } = 3400m;

    /// <summary>How long a session stays cached in Redis.</summary>
    [ConfigurationKeyName("PAYMENT_SESSION_TTL_SEC")]
    public int SessionTtlSeconds { get; set; } = 600;

    /// <summary>How long a session waits for its payment; then its invoice is cancelled at QPay and it is EXPIRED.</summary>
    [ConfigurationKeyName("PAYMENT_SESSION_EXPIRY_SEC")]
    public int SessionExpirySeconds { get; set; } = DefaultSessionExpirySeconds;

    public const int DefaultSessionExpirySeconds = 1800;

    /// <summary>What happens to a payment verified after its session expired or was cancelled.</summary>
    [ConfigurationKeyName("LATE_PAYMENT_POLICY")]
    public string LatePaymentPolicy { get; set; } = LatePayments.Fulfil;

    /// <summary>Status polls per user per minute, across all instances.</summary>
    [ConfigurationKeyName("STATUS_RATE_LIMIT_PER_MINUTE")]
    public int StatusRateLimitPerMinute { get; set; } = 120;

    /// <summary>New payment sessions per user per minute, across all instances (each creates a QPay invoice).</summary>
    [ConfigurationKeyName("SEED_SESSION_RATE_LIMIT_PER_MINUTE")]
    public int SeedRateLimitPerMinute { get; set; } = 10;

    /// <summary>
    /// New payment sessions per minute on one instance, over all its users, while Redis is down (the
    /// per-user limits then count per instance only): it keeps QPay's invoice creation within bounds.
    /// </summary>
    [ConfigurationKeyName("SEED_SESSION_INSTANCE_RATE_PER_MINUTE")]
    public int SeedInstanceRatePerMinute { get; set; } = 120;

    /// <summary>
    /// Open (PENDING) sessions one user may have; a new one over it expires the user's oldest open ones
    /// (their invoices cancelled at QPay), so that abandoned sessions do not pile up per account.
    /// </summary>
    [ConfigurationKeyName("MAX_OPEN_SESSIONS_PER_USER")]
    public int MaxOpenSessionsPerUser { get; set; } = 5;

    /// <summary>Logs every webhook pipeline step with session and invoice ids.</summary>
    [ConfigurationKeyName("INTERNAL_WEBHOOK_DEBUG")]
    public bool WebhookDebug { get; set; }

    public TimeSpan SessionTtl => TimeSpan.FromSeconds(SessionTtlSeconds);

    public TimeSpan SessionExpiry => TimeSpan.FromSeconds(SessionExpirySeconds);

    /// <summary>True when a late payment is handed to a refund rather than fulfilled.</summary>
    public bool RefundsLatePayments => string.Equals(LatePaymentPolicy, LatePayments.Refund, StringComparison.OrdinalIgnoreCase);

    // The knobs below are not settings: their setters are internal, so configuration (app
    // settings, Key Vault) cannot bind them; only tests, through InternalsVisibleTo, change them.

    /// <summary>The window of the per-minute rate limits: a minute (tests shorten it).</summary>
    public TimeSpan RateLimitWindow { get; internal set; } = TimeSpan.FromMinutes(1);

    /// <summary>The queue order creation is handed to (the trigger listens on the default; tests isolate themselves with another).</summary>
    public string OrderCreationQueue { get; internal set; } = Storage.StorageNames.OrderCreationQueue;

    /// <summary>
    /// The prefix of the PaymentSessions partitions that hold the reconciler's index's due rows and cursor (see
    /// PendingSessionTableIndex; the home rows are in their sessions' partitions, and in the partition of this
    /// name only as the build before wrote them, until the migration moves them). Session ids are 32 hex digits,
    /// so it never meets a session row; tests isolate themselves with another.
    /// </summary>
    public string PendingIndexPartition { get; internal set; } = "reconcile";

    /// <summary>The index's former single partition, read only to move its entries into the new layout.</summary>
    public string LegacyPendingIndexPartition { get; internal set; } = "pending-index";

    /// <summary>The queue the reconciler's timer hands each due session to (tests isolate themselves with another).</summary>
    public string ReconcileQueue { get; internal set; } = Storage.StorageNames.ReconcileQueue;

    /// <summary>
    /// How many visits may wait on the reconcile queue: the timer tops it up to this, so a first
    /// check found now waits behind at most this many (and none of a backlog's later checks).
    /// </summary>
    public int ReconcileQueueTarget { get; internal set; } = 1000;

    /// <summary>
    /// How long a handed-out visit keeps its session off the due list: if its message is lost, the
    /// session is due again after this. Far longer than the queue's wait at <see cref="ReconcileQueueTarget"/>.
    /// </summary>
    public TimeSpan ReconcileIssueLease { get; internal set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a begun visit holds its session against a duplicate message: functionTimeout, which no visit outlives.</summary>
    public TimeSpan ReconcileVisitLease { get; internal set; } = TimeSpan.FromMinutes(5);

    /// <summary>The prefix of each user's open-sessions partition of PaymentSessions (a hash of the user id follows); tests isolate themselves with another.</summary>
    public string OpenSessionsPartitionPrefix { get; internal set; } = "open~";

    /// <summary>The audit trail's table (a test knob: tests that move the clock far keep their own).</summary>
    public string PaymentEventsTable { get; internal set; } = Storage.StorageNames.PaymentEventsTable;

    /// <summary>
    /// When the reconciler checks a session no callback finished, counted from its creation: a
    /// few checks on a widening schedule (QPay forbids polling), then the session is left alone.
    /// </summary>
    public IReadOnlyList<TimeSpan> ReconcileSchedule { get; internal set; } =
        [TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)];

    /// <summary>First wait after a reconciler check QPay did not answer; it doubles per failure, up to an hour.</summary>
    public TimeSpan ReconcileFailureBackoff { get; internal set; } = TimeSpan.FromMinutes(5);

    /// <summary>A claim Verified this long without orders is queued again (by a duplicate webhook or the reconciler).</summary>
    public TimeSpan StuckClaimAfter { get; internal set; } = TimeSpan.FromMinutes(3);

    /// <summary>The queue refunds are started and retried through (tests isolate themselves with another).</summary>
    public string RefundQueue { get; internal set; } = Storage.StorageNames.RefundQueue;

    /// <summary>
    /// When the reconciler looks at a refunding session that the refund queue has not finished:
    /// the safety net for a lost message, counted from the last time the refund moved.
    /// </summary>
    public TimeSpan RefundFollowUp { get; internal set; } = TimeSpan.FromMinutes(15);

    /// <summary>First wait after a refund QPay refused or did not answer; it doubles per attempt, up to an hour.</summary>
    public TimeSpan RefundRetryBackoff { get; internal set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one caller holds a payment's refund while it asks QPay (a crashed caller's hold runs out).</summary>
    public TimeSpan RefundLease { get; internal set; } = TimeSpan.FromMinutes(2);

    // Admin routes (issue 18): test knobs too, not settings.

    /// <summary>The prefix of each user's session-list partition of PaymentSessions (a hash of the user id follows); tests isolate themselves with another.</summary>
    public string UserSessionsPartitionPrefix { get; internal set; } = "user~";

    /// <summary>"Check now" asks QPay at most once per session per this window, across instances (so nobody can use it to poll QPay).</summary>
    public TimeSpan CheckNowWindow { get; internal set; } = TimeSpan.FromSeconds(30);

    // The daily ledger check (Payments/Ledger): test knobs only.

    /// <summary>The prefix of each day's LedgerRuns partition (the date follows); tests isolate themselves with another.</summary>
    public string LedgerRunsPartitionPrefix { get; internal set; } = string.Empty;

    /// <summary>Rows asked per payment/list page (QPay documents 100 as its maximum).</summary>
    public int LedgerPageLimit { get; internal set; } = 100;

    /// <summary>Pages read per ledger run at most; a day with more is recorded as truncated.</summary>
    public int LedgerMaxPages { get; internal set; } = 50;
}

/// <summary>The values of LATE_PAYMENT_POLICY.</summary>
public static class LatePayments
{
    /// <summary>The orders are created at the quoted prices, as the seed's system does.</summary>
    public const string Fulfil = "fulfil";

    /// <summary>The money goes back to the customer (REFUND_PENDING).</summary>
    public const string Refund = "refund";
}

internal sealed class PaymentOptionsValidator(DeploymentEnvironment environment) : SettingsValidator<PaymentOptions>
{
    private const int MaxCallbackBaseLength = 119;

    protected override void Validate(PaymentOptions options, List<string> errors)
    {
        // The callback URL carries the session's webhook token in its query.
        HttpsOutsideDevelopment("QPAY_CALLBACK_PUBLIC_BASE_URL", options.CallbackPublicBaseUrl, environment, errors);
        if (options.CallbackPublicBaseUrl is { Length: > MaxCallbackBaseLength })
        {
            // QPay accepts callback URLs of at most 255 characters; path, session id and token take 136.
            errors.Add($"QPAY_CALLBACK_PUBLIC_BASE_URL must be at most {MaxCallbackBaseLength} characters.");
        }
        if (options.UsdToMntRate <= 0 || options.UsdToMntRate > 1_000_000)
        {
            errors.Add("QPAY_USD_TO_MNT_RATE must be a number greater than 0 and at most 1000000.");
        }

        InRange("PAYMENT_SESSION_TTL_SEC", options.SessionTtlSeconds, 60, 7 * 24 * 3600, errors);
        InRange("PAYMENT_SESSION_EXPIRY_SEC", options.SessionExpirySeconds, PaymentOptions.MinSessionLifeSeconds, PaymentOptions.MaxSessionLifeSeconds, errors);
        if (!string.Equals(options.LatePaymentPolicy, LatePayments.Fulfil, StringComparison.OrdinalIgnoreCase) && !options.RefundsLatePayments)
        {
            errors.Add($"LATE_PAYMENT_POLICY must be {LatePayments.Fulfil} or {LatePayments.Refund}.");
        }
        InRange("STATUS_RATE_LIMIT_PER_MINUTE", options.StatusRateLimitPerMinute, 1, 100_000, errors);
        InRange("SEED_SESSION_RATE_LIMIT_PER_MINUTE", options.SeedRateLimitPerMinute, 1, 10_000, errors);
        InRange("SEED_SESSION_INSTANCE_RATE_PER_MINUTE", options.SeedInstanceRatePerMinute, 1, 100_000, errors);
        InRange("MAX_OPEN_SESSIONS_PER_USER", options.MaxOpenSessionsPerUser, 1, 1000, errors);
    }
}
