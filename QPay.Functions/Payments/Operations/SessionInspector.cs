using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Operations;

/// <summary>
/// The operators' reads: one session with everything stored about it (read side by side from each
/// table, Table Storage only: Redis may be stale), and a user's sessions page by page
/// (<see cref="IUserSessionIndex"/>, then each session).
/// </summary>
public sealed class SessionInspector(
    ISessionStore sessions,
    IProcessedInvoiceStore claims,
    IOrderStore orders,
    IPaymentEventLog events,
    IRefundLedger refunds,
    IReceiptStore receipts,
    IUserSessionIndex userSessions)
{
    /// <summary>The most audit events one answer carries (a session has a few dozen at most in practice).</summary>
    public const int MaxEvents = 500;

    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    /// <summary>The session and what belongs to it, or null when there is no such session.</summary>
    public async Task<SessionDetail?> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (await sessions.GetAsync(sessionId, cancellationToken).ConfigureAwait(false) is not { } session)
        {
            return null;
        }

        var claimRead = session.InvoiceId is { } invoiceId ? claims.GetAsync(sessionId, invoiceId, cancellationToken) : Task.FromResult<ProcessedInvoice?>(null);
        // One more than shown: it tells whether the trail was cut.
        var eventsRead = events.ListAsync(sessionId, MaxEvents + 1, cancellationToken);
        var planRead = refunds.GetPlanAsync(sessionId, cancellationToken);
        var refundsRead = refunds.ListAsync(sessionId, cancellationToken);
        var receiptsRead = receipts.ListAsync(sessionId, cancellationToken);
        await Task.WhenAll(claimRead, eventsRead, planRead, refundsRead, receiptsRead).ConfigureAwait(false);

        var claim = await claimRead.ConfigureAwait(false);
        // The claim names the orders as soon as it exists; the session only once they do.
        var orderIds = session.OrderIds.Union(claim?.OrderIds ?? []).ToList();
        var found = await Task.WhenAll(orderIds.Select(id => orders.GetAsync(session.UserId, id, cancellationToken))).ConfigureAwait(false);
        var trail = await eventsRead.ConfigureAwait(false);
        return new SessionDetail(
            AdminSessionView.From(session),
            claim is null ? null : AdminClaimView.From(claim),
            [.. found.OfType<Order>()],
            [.. trail.Take(MaxEvents)],
            trail.Count > MaxEvents,
            await planRead.ConfigureAwait(false),
            await refundsRead.ConfigureAwait(false),
            await receiptsRead.ConfigureAwait(false));
    }

    /// <summary>A page of the user's sessions, newest first; a cursor this list did not give throws <see cref="FormatException"/>.</summary>
    public async Task<AdminSessionPage> ListAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var page = await userSessions.ListAsync(userId, limit, cursor, cancellationToken).ConfigureAwait(false);
        var found = await Task.WhenAll(page.SessionIds.Select(id => sessions.GetAsync(id, cancellationToken))).ConfigureAwait(false);
        // A row always follows its session's insert, so a missing session is not expected; it is skipped, not invented.
        var listed = found.OfType<PaymentSession>().Where(s => s.UserId == userId).Select(AdminSessionSummary.From).ToList();
        return new AdminSessionPage(listed, page.NextCursor);
    }
}
