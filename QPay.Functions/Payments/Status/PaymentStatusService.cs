using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Status;

/// <summary>
/// What a polling client sees of a session. Amounts are MNT. <see cref="Invoice"/> (the QR, short
/// URL and deeplinks, to draw the payment again after a reload) only while it is PENDING.
/// </summary>
public sealed record PaymentStatusView(
    string Status, string? InvoiceId, IReadOnlyList<string> OrderIds, decimal? PaidAmount, decimal ExpectedAmount, DateTimeOffset ExpiresAt, DateTimeOffset? CancelledAt,
    SessionRefund? Refund, SessionReceipts? Receipts, SessionInvoice? Invoice = null);

/// <summary>
/// Answers a session's status from Redis, else Table Storage. Reads only: it never calls QPay and
/// never queues or creates anything. A session of another user is answered like an unknown one.
/// </summary>
public sealed class PaymentStatusService(SessionReader sessions, ISessionStore store)
{
    public async Task<PaymentStatusView?> GetAsync(string sessionId, string userId, CancellationToken cancellationToken)
    {
        var (session, _) = await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        return View(session, userId);
    }

    /// <summary>The same, with the Redis copy already read (<paramref name="cached"/>, null on a miss).</summary>
    public async Task<PaymentStatusView?> GetAsync(string sessionId, string userId, PaymentSession? cached, CancellationToken cancellationToken)
    {
        var (session, _) = await sessions.GetAsync(sessionId, cached, cancellationToken).ConfigureAwait(false);
        return View(session, userId);
    }

    /// <summary>
    /// From Table Storage only: right after a published change the Redis copy may not be refreshed
    /// yet (the writer stores it after the table).
    /// </summary>
    public async Task<PaymentStatusView?> GetStoredAsync(string sessionId, string userId, CancellationToken cancellationToken) =>
        View(await store.GetAsync(sessionId, cancellationToken).ConfigureAwait(false), userId);

    private static PaymentStatusView? View(PaymentSession? session, string userId)
    {
        if (session is null || !string.Equals(session.UserId, userId, StringComparison.Ordinal))
        {
            return null;
        }

        return new PaymentStatusView(
            session.Status.ToApi(), session.InvoiceId, session.OrderIds, session.PaidMnt, session.ExpectedMnt, session.ExpiresAt, session.CancelledAt, session.Refund, session.Receipts,
            session.Status == SessionStatus.Pending ? session.Invoice : null);
    }
}
