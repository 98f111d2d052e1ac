using Azure;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Claims;

/// <summary>
/// A session as stored with the claim of its invoice (null: not claimed yet), read together so
/// that both can be written back together, each only if nobody wrote it since (its ETag).
/// </summary>
public sealed record SessionWithClaim(PaymentSession Session, ProcessedInvoice? Claim)
{
    internal ETag SessionETag { get; init; }

    internal ETag ClaimETag { get; init; }

    /// <summary>Where the claim is (or is to be) written: its session's partition, else ProcessedInvoices.</summary>
    internal bool InSessionPartition { get; init; }

    /// <summary>The session's home row in the reconciler's index, when the partition holds one (an entry in the old place: null).</summary>
    internal PendingHome? PendingHome { get; init; }
}

/// <summary>What writing a claim with its session came to.</summary>
/// <param name="Written">False: the session or the claim changed since they were read (or the session is gone); nothing was written: read again and decide again.</param>
/// <param name="Session">The session as stored afterwards; null only when a session from before claims moved could not be marked (its claim is written).</param>
public sealed record SessionClaimWrite(bool Written, PaymentSession? Session)
{
    /// <summary>The write took the session out of the reconciler's index (its home row deleted with it, then its due row).</summary>
    public bool LeftPendingIndex { get; init; }
}
