using Microsoft.Extensions.Configuration;
using QPay.Functions.Hosting;

namespace QPay.Functions.Payments.Retention;

/// <summary>What the retention timer removes, and when (design: "Retention").</summary>
public sealed class RetentionOptions
{
    public const int DefaultAuditRetentionDays = 90;
    public const int MaxRetentionDays = 3650;

    /// <summary>The shortest SESSION_RETENTION_DAYS: a merchant's disputes and refunds come within a month.</summary>
    public const int MinSessionRetentionDays = 30;

    /// <summary>Days an audit trail event (PaymentEvents) is kept.</summary>
    [ConfigurationKeyName("AUDIT_RETENTION_DAYS")]
    public int AuditRetentionDays { get; set; } = DefaultAuditRetentionDays;

    /// <summary>
    /// Days a finished session is kept with its claim, orders, refunds, receipts and events; 0 (the
    /// default) keeps them forever: they are the merchant's accounting records.
    /// </summary>
    [ConfigurationKeyName("SESSION_RETENTION_DAYS")]
    public int SessionRetentionDays { get; set; }

    public TimeSpan AuditRetention => TimeSpan.FromDays(AuditRetentionDays);

    public TimeSpan? SessionRetention => SessionRetentionDays > 0 ? TimeSpan.FromDays(SessionRetentionDays) : null;

    // Knobs for tests: internal setters, so configuration cannot bind them.

    /// <summary>Rows one run may delete, over every kind; what is left is done by the next run.</summary>
    public int RunBudget { get; internal set; } = 5000;

    /// <summary>
    /// How long an Idempotency-Key is honoured (IdempotencyKeys rows, counted from the first request): a
    /// caller retries within minutes; past this a reused key is simply a new request, and the refund it
    /// asks for is idempotent in itself.
    /// </summary>
    public TimeSpan IdempotencyKeyLifetime { get; internal set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// A due row of the reconciler's index that no home row points to is deleted once it is this old
    /// (by its storage timestamp), far longer than a writer's steps take.
    /// </summary>
    public TimeSpan OrphanDueRowAge { get; internal set; } = TimeSpan.FromHours(1);

    /// <summary>The PaymentSessions partition of the scans' cursors (session ids are 32 hex digits, so it meets none); tests keep their own.</summary>
    public string CursorPartition { get; internal set; } = "retention";

    /// <summary>Pages (up to 1,000 rows each) each table scan reads per run: what bounds a run's time when few rows match.</summary>
    public int ScanPages { get; internal set; } = 5;

    /// <summary>
    /// Only this user's sessions are scanned (tests: the shared PaymentSessions table holds other
    /// tests' sessions, which a fake clock far ahead must never remove); null scans every session.
    /// </summary>
    public string? SessionScanUserId { get; internal set; }
}

internal sealed class RetentionOptionsValidator : SettingsValidator<RetentionOptions>
{
    protected override void Validate(RetentionOptions options, List<string> errors)
    {
        InRange("AUDIT_RETENTION_DAYS", options.AuditRetentionDays, 1, RetentionOptions.MaxRetentionDays, errors);
        if (options.SessionRetentionDays == 0)
        {
            return;
        }

        InRange("SESSION_RETENTION_DAYS", options.SessionRetentionDays, RetentionOptions.MinSessionRetentionDays, RetentionOptions.MaxRetentionDays, errors);
        if (options.SessionRetentionDays < options.AuditRetentionDays)
        {
            // A session is removed with its events: a shorter window would cut the trail the audit setting promises.
            errors.Add("SESSION_RETENTION_DAYS must be 0 (keep sessions) or at least AUDIT_RETENTION_DAYS.");
        }
    }
}
