using Azure;

namespace QPay.Functions.Payments.Sessions;

/// <summary>A session whose orders do not exist yet, and when the reconciler looks at it next.</summary>
/// <param name="NextCheckAt">When the next visit is due by the session's schedule (never earlier: QPay forbids polling).</param>
/// <param name="Checks">Checks QPay answered (NOT_PAID, AMOUNT_MISMATCH); bounded by the schedule.</param>
/// <param name="Failures">Checks QPay did not answer; they never use up the schedule.</param>
/// <param name="Requeues">Times a stuck Verified claim was queued again.</param>
/// <param name="LastOutcome">What the last look found, for the give-up log.</param>
public sealed record PendingSessionEntry(
    string SessionId,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextCheckAt,
    int Checks = 0,
    int Failures = 0,
    int Requeues = 0,
    string? LastOutcome = null)
{
    /// <summary>The last look claimed the invoice: its orders are being created.</summary>
    public const string ClaimedOutcome = "CLAIMED";

    /// <summary>The entry follows a refund (the refund queue's safety net).</summary>
    public const string RefundOutcome = "REFUND";

    /// <summary>The entry follows a refund QPay is to be asked again for.</summary>
    public const string RefundRetryOutcome = RefundOutcome + "_RETRY";

    /// <summary>
    /// First checks and claims waiting for their orders go before everything else: they are the
    /// likeliest to hold a customer's money, while a session checked three times is most likely abandoned.
    /// </summary>
    public bool GoesFirst =>
        LastOutcome == ClaimedOutcome
        || (Checks == 0 && Requeues == 0 && LastOutcome?.StartsWith(RefundOutcome, StringComparison.Ordinal) != true);

    /// <summary>The stored row's version, when the entry was read from the index: an update then fails if the entry changed meanwhile.</summary>
    public ETag? Version { get; init; }

    /// <summary>Where the entry's due row was when it was read (the index's bookkeeping).</summary>
    internal DueSlot? Slot { get; init; }

    /// <summary>The ticket of the visit handed out for the entry, if any (the index's bookkeeping).</summary>
    internal string? Ticket { get; init; }

    /// <summary>Until when a begun visit holds the entry (the index's bookkeeping).</summary>
    internal DateTimeOffset? RunningUntil { get; init; }

    /// <summary>Read from a home row written before home rows moved into their sessions' partitions (the index's bookkeeping).</summary>
    internal bool InOldPlace { get; init; }

    /// <summary>
    /// A visit began before this one and never finished (its host died): it may have asked QPay, so
    /// the visit it would have been counts as made.
    /// </summary>
    public bool Interrupted { get; init; }
}

/// <summary>A due entry as the index lists it: where its due row is, and for which session.</summary>
public sealed record DueSlot(string SessionId, string Partition, string Row);

/// <summary>A visit the index handed out: the entry as it stood, and the ticket its queue message carries.</summary>
public sealed record IssuedVisit(PendingSessionEntry Entry, string Ticket);
