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
    /// The receipts of a paid invoice's payments: one PENDING row per payment (kept if it exists: a retry or a second
    /// delivery asks for nothing twice), and what order creation writes with the session and queues after it. When
    /// e-receipts are off nothing is written and the summary is SKIPPED.
    /// </summary>
    public async Task<ReceiptRequest> PrepareAsync(PaymentSession session, string invoiceId, IReadOnlyList<string> paymentIds, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!options.Value.Enabled)
        {
            foreach (var paymentId in paymentIds)
            {
                audit.Record(session.SessionId, PaymentEvents.Receipt("SKIPPED", paymentId, invoiceId, "ebarimt-off"));
            }

            return new ReceiptRequest(
                new SessionReceipts(ReceiptStatus.Skipped, paymentIds.Select(id => new SessionReceiptLine(id, ReceiptStatus.Skipped, null, null, null, null, null, null, now, null)).ToList()),
                []);
        }

        var written = new List<ReceiptRecord>();
        foreach (var paymentId in paymentIds)
        {
            var row = new ReceiptRecord { SessionId = session.SessionId, PaymentId = paymentId, InvoiceId = invoiceId, Status = ReceiptStatus.Pending, CreatedAt = now };
            if (await receipts.AddAsync(row, cancellationToken).ConfigureAwait(false))
            {
                written.Add(row);
            }
        }

        // A session's rows are its claim's payments, written only here: when this call wrote every one they are
        // exactly these. A row that was there already (a retry, a second delivery) may have moved on: read them all.
        return written.Count == paymentIds.Count
            ? Request(session.SessionId, written)
            : await ReadRequestAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The request again from the rows as they are now, for a session write that has to be made again on a session
    /// read again (a message queued by hand may have finished a receipt meanwhile). SKIPPED stays SKIPPED.
    /// </summary>
    public Task<ReceiptRequest> RefreshAsync(ReceiptRequest request, string sessionId, CancellationToken cancellationToken) =>
        options.Value.Enabled ? ReadRequestAsync(sessionId, cancellationToken) : Task.FromResult(request);

    /// <summary>Queues the request's messages; called once the session shows its summary.</summary>
    public async Task QueueAsync(ReceiptRequest request, CancellationToken cancellationToken)
    {
        foreach (var message in request.Messages)
        {
            await queue.EnqueueAsync(message, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues again every PENDING receipt of the session never attempted and held by nobody: for a delivery of order
    /// creation that finds the orders created, in case the one that created them stopped before it queued them (a
    /// message that was queued after all finds the receipt issued, or held, and asks nothing twice).
    /// </summary>
    public async Task QueueUnaskedAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var rows = await receipts.ListAsync(sessionId, cancellationToken).ConfigureAwait(false);
        foreach (var row in rows.Where(r => r is { Status: ReceiptStatus.Pending, CancelRequested: false, Attempts: 0 } && !(r.LeaseUntil > now)))
        {
            await queue.EnqueueAsync(new ReceiptMessage(sessionId, row.PaymentId), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ReceiptRequest> ReadRequestAsync(string sessionId, CancellationToken cancellationToken)
    {
        var rows = await receipts.ListAsync(sessionId, cancellationToken).ConfigureAwait(false);
        return Request(sessionId, rows);
    }

    private static ReceiptRequest Request(string sessionId, IReadOnlyList<ReceiptRecord> rows) =>
        new(Summarise(rows), rows.Where(r => r is { Status: ReceiptStatus.Pending, CancelRequested: false }).Select(r => new ReceiptMessage(sessionId, r.PaymentId)).ToList());

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
    /// Writes the rows' summary to the session: the session is read first and the rows listed after it, so when two
    /// receipts finish at once the one that listed earlier finds the session changed (412) and lists again; the older
    /// view is never left behind. Three requests: the session read, the rows' query, the session's replace.
    /// </summary>
    public async Task<IReadOnlyList<ReceiptRecord>> SyncAsync(string sessionId, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReceiptRecord> rows = [];
        var changed = false;
        var updated = await sessions.UpdateAsync(
            sessionId,
            async (s, ct) =>
            {
                rows = await receipts.ListAsync(sessionId, ct).ConfigureAwait(false);
                var summary = Summarise(rows);
                changed = !Equals(s.Receipts, summary);
                return changed ? s with { Receipts = summary } : null;
            },
            cancellationToken).ConfigureAwait(false);
        if (changed && updated is not null)
        {
            await cache.StoreAsync(updated).ConfigureAwait(false);
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
}
