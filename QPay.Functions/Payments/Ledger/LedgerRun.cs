using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Ledger;

/// <summary>
/// One day's ledger check as stored in LedgerRuns (PK the date, RK <c>run</c>): how many payments
/// QPay listed for the UTC day, how many were PAID, and what each PAID one came to. A later run of
/// the same day replaces it.
/// </summary>
/// <param name="Date">The UTC day, <c>yyyy-MM-dd</c>.</param>
/// <param name="Status"><see cref="LedgerRunStatus.Completed"/> or <see cref="LedgerRunStatus.Failed"/> (QPay's list could not be read).</param>
/// <param name="Matched">PAID payments a claim or a refund of ours covers.</param>
/// <param name="Recovered">PAID payments no claim covered, claimed now through the normal verification.</param>
/// <param name="Unresolved">PAID payments of our sessions that the verification did not claim (not paid by its count, underpaid, busy, QPay failing).</param>
/// <param name="Unmatched">PAID payments that match no session, or that their session's claim and refunds do not cover.</param>
/// <param name="Truncated">The run stopped at its page limit: payments after the last page read were not looked at.</param>
/// <param name="UnmatchedPaymentIds">The unmatched payments' ids, at most <see cref="MaxListedIds"/>.</param>
/// <param name="UnresolvedPaymentIds">The unresolved payments' ids, at most <see cref="MaxListedIds"/>.</param>
/// <param name="Error">Why a failed run failed: QPay's error code (or TIMEOUT, UNREACHABLE).</param>
public sealed record LedgerRun(
    string Date,
    DateTimeOffset RanAt,
    string Status,
    int Listed,
    int Paid,
    int Matched,
    int Recovered,
    int Unresolved,
    int Unmatched,
    int Pages,
    bool Truncated,
    IReadOnlyList<string> UnmatchedPaymentIds,
    IReadOnlyList<string> UnresolvedPaymentIds,
    string? Error)
{
    public const int MaxListedIds = 100;

    [JsonIgnore]
    public bool IsFailed => Status == LedgerRunStatus.Failed;
}

public static class LedgerRunStatus
{
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>What a PAID payment came to; the lower-case names are the <c>result</c> tag of <c>qpay.ledger.payments</c>.</summary>
public enum LedgerMatch
{
    Matched,
    Recovered,
    Unresolved,
    Unmatched,
}
