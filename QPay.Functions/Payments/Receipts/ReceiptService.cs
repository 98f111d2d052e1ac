using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Receipts;

/// <summary>
/// Asks for e-receipts and keeps the session's view of them: one PENDING row per counted payment,
/// written before the message that asks QPay (order creation calls it, so a redelivered message
/// or a duplicate callback meets the rows and issues nothing twice); a refunded payment's receipt
/// cancelled; a FAILED one queued again by hand.
/// </summary>
public sealed class ReceiptService(
    IReceiptStore receipts,
    IReceiptQueue queue,
    ISessionStore sessions,
    ISessionCache cache,
    IOptions<EbarimtOptions> options,
    TimeProvider clock,
    IPaymentAudit audit,
    ILogger<ReceiptService> logger)
{
    /// <summary>
    /// The receipts of a paid invoice's payments: rows and messages. When e-receipts are off nothing
    /// is written: the answer is the SKIPPED summary for the caller's own write of the session
    /// (null when on: the rows' summary is written here, before any message can finish one).
    /// </summary>
    public async Task<SessionReceipts?> RequestAsync(PaymentSession session, string invoiceId, IReadOnlyList<string> paymentIds, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!options.Value.Enabled)
        {
            foreach (var paymentId in paymentIds)
            {
                audit.Record(session.SessionId, PaymentEvents.Receipt("SKIPPED", paymentId, invoiceId, "ebarimt-off"));
            }

            return new SessionReceipts(ReceiptStatus.Skipped, paymentIds.Select(id => new SessionReceiptLine(id, ReceiptStatus.Skipped, null, null, null, null, null, null, now, null)).ToList());
        }

        foreach (var paymentId in paymentIds)
        {
            await receipts.AddAsync(
                new ReceiptRecord { SessionId = session.SessionId, PaymentId = paymentId, InvoiceId = invoiceId, Status = ReceiptStatus.Pending, CreatedAt = now },
                cancellationToken).ConfigureAwait(false);
        }

        // The session shows them PENDING before any message can finish one.
        var rows = await SyncAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
        foreach (var row in rows.Where(r => r.Status == ReceiptStatus.Pending && !r.CancelRequested))
        {
            await queue.EnqueueAsync(new ReceiptMessage(session.SessionId, row.PaymentId), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>
    /// A refunded payment's receipt is to be cancelled: marked, and asked of the receipt queue (again
    /// on every call until it is cancelled: the issuer cancels once, so a lost message costs nothing).
    /// </summary>
    public async Task CancelAsync(string sessionId, string paymentId, CancellationToken cancellationToken)
    {
        var (row, _) = await receipts.UpdateAsync(
            sessionId, paymentId,
            r => r.CancelRequested || r.Status is ReceiptStatus.Cancelled or ReceiptStatus.Skipped ? null : r with { CancelRequested = true },
            cancellationToken).ConfigureAwait(false);
        if (row is { Status: not (ReceiptStatus.Cancelled or ReceiptStatus.Skipped) })
        {
            await queue.EnqueueAsync(new ReceiptMessage(sessionId, paymentId, Cancel: true), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues every FAILED receipt of the session again, its attempts reset; every PENDING one nobody
    /// holds whose message may be gone (attempted, or waiting over <see cref="StalePending"/>); and
    /// every cancel not done yet. Answers how many.
    /// </summary>
    public async Task<int> RetryFailedAsync(string sessionId, CancellationToken cancellationToken)
    {
        var retried = 0;
        var now = clock.GetUtcNow();
        var rows = await receipts.ListAsync(sessionId, cancellationToken).ConfigureAwait(false);
        foreach (var row in rows.Where(r => r.CancelRequested && r.Status is not (ReceiptStatus.Cancelled or ReceiptStatus.Skipped) && !(r.LeaseUntil > now)))
        {
            await queue.EnqueueAsync(new ReceiptMessage(sessionId, row.PaymentId, Cancel: true), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            Log.ReceiptRetried(logger, sessionId, row.PaymentId);
            retried++;
        }

        foreach (var row in rows.Where(r => IsStuck(r, now)))
        {
            var (_, changed) = await receipts.UpdateAsync(
                sessionId, row.PaymentId,
                r => IsStuck(r, now) ? r with { Status = ReceiptStatus.Pending, Attempts = 0, LeaseUntil = null } : null,
                cancellationToken).ConfigureAwait(false);
            if (changed)
            {
                await queue.EnqueueAsync(new ReceiptMessage(sessionId, row.PaymentId), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                Log.ReceiptRetried(logger, sessionId, row.PaymentId);
                retried++;
            }
        }

        if (retried > 0)
        {
            await SyncAsync(sessionId, cancellationToken).ConfigureAwait(false);
        }

        return retried;
    }

    /// <summary>A PENDING receipt never attempted this long after its row was written has lost its message.</summary>
    public static readonly TimeSpan StalePending = TimeSpan.FromMinutes(5);

    private static bool IsStuck(ReceiptRecord row, DateTimeOffset now) =>
        !row.CancelRequested
        && (row.Status == ReceiptStatus.Failed
            || (row.Status == ReceiptStatus.Pending && !(row.LeaseUntil > now) && (row.Attempts > 0 || now - row.CreatedAt > StalePending)));

    /// <summary>
    /// Writes the rows' summary to the session. Written again if the rows changed meanwhile, so two
    /// receipts finishing at once cannot leave the older view behind.
    /// </summary>
    public async Task<IReadOnlyList<ReceiptRecord>> SyncAsync(string sessionId, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReceiptRecord> rows = [];
        for (var round = 0; round < 3; round++)
        {
            rows = await receipts.ListAsync(sessionId, cancellationToken).ConfigureAwait(false);
            var summary = Summarise(rows);
            if (!await WriteAsync(sessionId, summary, cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>PENDING while any is pending; FAILED when any failed; else the status they share; REGISTERED for a mix.</summary>
    public static SessionReceipts? Summarise(IReadOnlyList<ReceiptRecord> rows)
    {
        if (rows.Count == 0)
        {
            return null;
        }

        var statuses = rows.Select(r => r.Status).Distinct().ToList();
        var status = statuses.Contains(ReceiptStatus.Pending) ? ReceiptStatus.Pending
            : statuses.Contains(ReceiptStatus.Failed) ? ReceiptStatus.Failed
            : statuses.Count == 1 ? statuses[0]
            : ReceiptStatus.Registered;
        return new SessionReceipts(status, rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.PaymentId, StringComparer.Ordinal).Select(r => r.ToLine()).ToList());
    }

    /// <summary>True when the session changed.</summary>
    private async Task<bool> WriteAsync(string sessionId, SessionReceipts? summary, CancellationToken cancellationToken)
    {
        var changed = false;
        var updated = await sessions.UpdateAsync(
            sessionId,
            s =>
            {
                changed = !Equals(s.Receipts, summary);
                return changed ? s with { Receipts = summary } : null;
            },
            cancellationToken).ConfigureAwait(false);
        if (changed && updated is not null)
        {
            await cache.StoreAsync(updated).ConfigureAwait(false);
        }

        return changed;
    }
}
