using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.QPayApi;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Ledger;

/// <summary>
/// The daily ledger check (issue 18 §4): every payment QPay lists for a UTC day, page by page up to
/// <see cref="PaymentOptions.LedgerMaxPages"/>, each PAID one matched by <see cref="LedgerPaymentMatcher"/>;
/// the counts are stored in LedgerRuns. If QPay's list cannot be read the run is stored as failed,
/// and the next timer or POST runs the day again.
/// </summary>
public sealed class LedgerCheck(
    IQPayClient qpay,
    LedgerPaymentMatcher matcher,
    ILedgerRunStore runs,
    IOptions<PaymentOptions> options,
    IOptions<QPayOptions> qpayOptions,
    PaymentMetrics metrics,
    TimeProvider clock,
    ILogger<LedgerCheck> logger)
{
    /// <summary>
    /// Every payment of the invoices made under our invoice code: QPay's own list example queries
    /// <c>INVOICE</c> with the invoice code (qpay-v2-api.md §6.3), and our settings name no merchant id for
    /// a <c>MERCHANT</c> query (QPay puts it only inside the access token).
    /// </summary>
    public const string ObjectType = "INVOICE";

    /// <summary>
    /// QPay documents no time zone for start_date/end_date; the window asked is widened by the
    /// largest UTC offset on each side, and the rows are kept by their own UTC payment_date.
    /// </summary>
    public static readonly TimeSpan QueryMargin = TimeSpan.FromHours(14);

    /// <summary>Days before yesterday without a completed run, this many back, are run again by the daily timer.</summary>
    public const int RetryFailedDays = 3;

    public Task<LedgerRun?> GetAsync(DateOnly date, CancellationToken cancellationToken) => runs.GetAsync(date, cancellationToken);

    /// <summary>
    /// The timer's work: yesterday (UTC), then each of the days before it that has no completed run (it failed,
    /// or the timer did not run that day). A day that throws is logged and the others still run.
    /// </summary>
    public async Task<IReadOnlyList<LedgerRun>> RunDailyAsync(CancellationToken cancellationToken)
    {
        var yesterday = LedgerDates.Today(clock).AddDays(-1);
        var done = new List<LedgerRun>();
        for (var back = 0; back <= RetryFailedDays; back++)
        {
            var day = yesterday.AddDays(-back);
            try
            {
                if (back == 0 || await runs.GetAsync(day, cancellationToken).ConfigureAwait(false) is null or { IsFailed: true })
                {
                    done.Add(await RunAsync(day, cancellationToken).ConfigureAwait(false));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.LedgerDayFailed(logger, e, LedgerDates.Format(day));
            }
        }

        return done;
    }

    /// <summary>Checks the UTC day <paramref name="date"/> now and stores the result (failed or not).</summary>
    public async Task<LedgerRun> RunAsync(DateOnly date, CancellationToken cancellationToken)
    {
        var day = LedgerDates.Format(date);
        var from = LedgerDates.Start(date);
        var to = from.AddDays(1);
        var settings = options.Value;
        var tally = new Tally();
        string? error = null;
        var complete = false;
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var page = 1; page <= settings.LedgerMaxPages && !complete; page++)
            {
                var listed = await qpay.ListPaymentsAsync(
                    new PaymentListRequest(ObjectType, qpayOptions.Value.InvoiceCode!, from - QueryMargin, to + QueryMargin, page, settings.LedgerPageLimit),
                    cancellationToken).ConfigureAwait(false);
                tally.Pages++;
                foreach (var row in listed.Rows)
                {
                    // Outside the day (the margin), or a row already seen on an earlier page (the list moved).
                    if ((row.PaidAt is { } at && (at < from || at >= to)) || (row.HasPaymentId && !seen.Add(row.PaymentId)))
                    {
                        continue;
                    }

                    tally.Listed++;
                    if (row.Is("PAID"))
                    {
                        var match = await matcher.MatchAsync(row, day, cancellationToken).ConfigureAwait(false);
                        tally.Add(row.PaymentId, match);
                        metrics.LedgerPayment(match.ToString().ToLowerInvariant());
                        if (match == LedgerMatch.Unmatched)
                        {
                            metrics.LedgerUnmatched();
                        }
                    }
                }

                // Only a short (or empty) page is the last: QPay's count is not trusted to say so (it may be a page's).
                complete = listed.Rows.Count < settings.LedgerPageLimit;
            }
        }
        catch (QPayApiException e)
        {
            error = e.ErrorCode ?? (e.StatusCode is { } status ? $"HTTP_{(int)status}" : "QPAY_ERROR");
            Log.LedgerRunFailed(logger, day, e.Endpoint, error);
        }

        var run = tally.ToRun(day, clock.GetUtcNow(), error, truncated: error is null && !complete);
        if (run.Truncated)
        {
            Log.LedgerRunTruncated(logger, day, run.Pages, run.Listed);
        }

        if (!run.IsFailed)
        {
            Log.LedgerRunCompleted(logger, day, run.Listed, run.Paid, run.Matched, run.Recovered, run.Unresolved, run.Unmatched, run.Pages, run.Truncated);
        }

        metrics.LedgerRun(run.Status);
        // A failed run never replaces a completed one of the same day: its findings (the unmatched ids) stay readable.
        if (!run.IsFailed || await runs.GetAsync(date, CancellationToken.None).ConfigureAwait(false) is not { IsFailed: false })
        {
            await runs.SaveAsync(run, CancellationToken.None).ConfigureAwait(false);
        }

        return run;
    }

    private sealed class Tally
    {
        private readonly List<string> _unmatched = [];
        private readonly List<string> _unresolved = [];
        private readonly Dictionary<LedgerMatch, int> _counts = [];

        public int Listed { get; set; }

        public int Pages { get; set; }

        private int Paid => _counts.Values.Sum();

        public void Add(string paymentId, LedgerMatch match)
        {
            _counts[match] = _counts.GetValueOrDefault(match) + 1;
            var list = match switch
            {
                LedgerMatch.Unmatched => _unmatched,
                LedgerMatch.Unresolved => _unresolved,
                _ => null,
            };
            if (list is { Count: < LedgerRun.MaxListedIds })
            {
                list.Add(paymentId);
            }
        }

        public LedgerRun ToRun(string date, DateTimeOffset ranAt, string? error, bool truncated) => new(
            date,
            ranAt,
            error is null ? LedgerRunStatus.Completed : LedgerRunStatus.Failed,
            Listed,
            Paid,
            _counts.GetValueOrDefault(LedgerMatch.Matched),
            _counts.GetValueOrDefault(LedgerMatch.Recovered),
            _counts.GetValueOrDefault(LedgerMatch.Unresolved),
            _counts.GetValueOrDefault(LedgerMatch.Unmatched),
            Pages,
            truncated,
            _unmatched,
            _unresolved,
            error);
    }
}
