using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.QPayApi;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Receipts;

/// <summary>
/// Carries out one receipt message: issues the payment's e-receipt (<c>POST /v2/ebarimt_v3/create</c>)
/// or cancels it after a refund (<c>DELETE /v2/ebarimt_v3/{payment_id}</c>). Only the holder of the
/// row's lease asks QPay, and only while the row says it is still to do, so a redelivered message
/// or a second message issues nothing twice. A QPay failure is retried through the queue after a
/// doubling wait; after <see cref="EbarimtOptions.MaxAttempts"/> the receipt is FAILED, the message
/// goes to the poison queue and an error names session and payment. Orders never wait for any of it.
/// </summary>
public sealed class ReceiptIssuer(
    IReceiptStore receipts,
    IReceiptQueue queue,
    ReceiptService service,
    ISessionStore sessions,
    IQPayClient qpay,
    IOptions<EbarimtOptions> options,
    IOptions<QPayOptions> qpayOptions,
    TimeProvider clock,
    PaymentMetrics metrics,
    IPaymentAudit audit,
    ILogger<ReceiptIssuer> logger)
{
    private static readonly TimeSpan MinLease = TimeSpan.FromMinutes(2);

    /// <summary>Two minutes, or longer when QPay calls may take longer (QPAY_TOTAL_TIMEOUT_SEC).</summary>
    private TimeSpan Lease => MinLease > qpayOptions.Value.LeaseFloor ? MinLease : qpayOptions.Value.LeaseFloor;

    /// <remarks>Runs to its end once QPay is asked, whatever the caller's token says.</remarks>
    public async Task ProcessAsync(ReceiptMessage message)
    {
        var row = await receipts.GetAsync(message.SessionId, message.PaymentId, CancellationToken.None).ConfigureAwait(false);
        if (row is null)
        {
            return;
        }

        if (message.Cancel || row.CancelRequested)
        {
            await CancelAsync(row, message).ConfigureAwait(false);
        }
        else if (row.Status == ReceiptStatus.Pending)
        {
            await IssueAsync(row, message).ConfigureAwait(false);
        }
    }

    private async Task IssueAsync(ReceiptRecord row, ReceiptMessage message)
    {
        var now = clock.GetUtcNow();
        // Each write starts from the row as this call last read or wrote it (no read first); a row changed meanwhile is read again.
        var (leased, won) = await receipts.UpdateAsync(
            row,
            r => r is { Status: ReceiptStatus.Pending, CancelRequested: false } && !(r.LeaseUntil > now) ? r with { LeaseUntil = now + Lease, Attempts = r.Attempts + 1 } : null,
            CancellationToken.None).ConfigureAwait(false);
        if (!won || leased is null)
        {
            await ComeBackAfterLeaseAsync(leased, message, now).ConfigureAwait(false);
            return;
        }

        var session = await sessions.GetAsync(row.SessionId, CancellationToken.None).ConfigureAwait(false);
        var settings = options.Value;
        var receiver = session?.Receiver;
        var request = new CreateEbarimtRequest(
            row.PaymentId,
            receiver?.ReceiverType ?? EbarimtReceivers.Normalise(settings.DefaultReceiverType)!,
            receiver?.Receiver,
            receiver?.DistrictCode ?? NullIfEmpty(settings.DistrictCode),
            receiver?.ClassificationCode ?? NullIfEmpty(settings.ClassificationCode));
        try
        {
            var issued = await qpay.CreateEbarimtAsync(request, CancellationToken.None).ConfigureAwait(false);
            var at = clock.GetUtcNow();
            await receipts.UpdateAsync(
                leased,
                r => r with
                {
                    Status = ReceiptStatus.Registered, QPayId = issued.Id, ReceiptId = issued.ReceiptId, BarimtStatus = issued.Status,
                    QrData = issued.QrData, Lottery = issued.Lottery, Amount = issued.Amount, VatAmount = issued.VatAmount,
                    CityTaxAmount = issued.CityTaxAmount, IssuedAt = at, LeaseUntil = null, LastError = null,
                },
                CancellationToken.None).ConfigureAwait(false);
            Log.ReceiptIssued(logger, row.SessionId, row.PaymentId, issued.Status ?? "?");
            metrics.Receipt("REGISTERED");
            audit.Record(row.SessionId, PaymentEvents.Receipt("REGISTERED", row.PaymentId, row.InvoiceId, "issue"));
        }
        catch (QPayApiException exception)
        {
            await FailedAsync(leased, message, exception.ErrorCode ?? "QPAY_ERROR", leased.Attempts, giveUp: r => r with { Status = ReceiptStatus.Failed }).ConfigureAwait(false);
        }

        await service.SyncAsync(row.SessionId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>A refunded payment's receipt: cancelled at QPay if it was issued, else marked so it never is.</summary>
    private async Task CancelAsync(ReceiptRecord row, ReceiptMessage message)
    {
        var now = clock.GetUtcNow();
        if (row.Status is ReceiptStatus.Cancelled or ReceiptStatus.Skipped)
        {
            return;
        }

        if (row is { Status: ReceiptStatus.Pending or ReceiptStatus.Failed, Attempts: 0 })
        {
            // Never asked of QPay: nothing to cancel there, unless an issue is starting right now (then look again).
            var (_, marked) = await receipts.UpdateAsync(
                row,
                r => r is { Status: ReceiptStatus.Pending or ReceiptStatus.Failed, Attempts: 0 } && !(r.LeaseUntil > now) ? r with { Status = ReceiptStatus.Cancelled, CancelledAt = now, LastError = null } : null,
                CancellationToken.None).ConfigureAwait(false);
            if (!marked)
            {
                await queue.EnqueueAsync(message with { Cancel = true }, Lease, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            audit.Record(row.SessionId, PaymentEvents.Receipt("CANCELLED", row.PaymentId, row.InvoiceId, "never-issued"));

            await service.SyncAsync(row.SessionId, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        // Issued, or perhaps issued (an attempt whose answer was lost): QPay is asked to cancel; none there is cancelled too.
        var (leased, won) = await receipts.UpdateAsync(
            row,
            r => r.Status is not (ReceiptStatus.Cancelled or ReceiptStatus.Skipped) && !(r.LeaseUntil > now) ? r with { LeaseUntil = now + Lease } : null,
            CancellationToken.None).ConfigureAwait(false);
        if (!won || leased is null)
        {
            await ComeBackAfterLeaseAsync(leased, message with { Cancel = true }, now).ConfigureAwait(false);
            return;
        }

        try
        {
            await qpay.CancelEbarimtAsync(row.PaymentId, CancellationToken.None).ConfigureAwait(false);
            await MarkCancelledAsync(leased).ConfigureAwait(false);
        }
        catch (QPayApiException exception) when (exception.IsReceiptGone)
        {
            // QPay has none for the payment any more: cancelled already (an earlier answer was lost).
            await MarkCancelledAsync(leased).ConfigureAwait(false);
        }
        catch (QPayApiException exception)
        {
            await FailedAsync(leased, message, exception.ErrorCode ?? "QPAY_ERROR", message.Attempt, giveUp: r => r).ConfigureAwait(false);
        }

        await service.SyncAsync(row.SessionId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Someone holds the row: its holder may crash before it writes the answer (then only the
    /// lease's end frees it), so this message comes back once the lease has run out instead of
    /// being dropped. A row that needs nothing any more (issued, cancelled) ends it.
    /// </summary>
    private async Task ComeBackAfterLeaseAsync(ReceiptRecord? row, ReceiptMessage message, DateTimeOffset now)
    {
        if (row is { LeaseUntil: { } until } && until > now && (row.Status == ReceiptStatus.Pending || (message.Cancel && row.Status != ReceiptStatus.Cancelled)))
        {
            await queue.EnqueueAsync(message, until - now + TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task MarkCancelledAsync(ReceiptRecord row)
    {
        var at = clock.GetUtcNow();
        await receipts.UpdateAsync(row, r => r with { Status = ReceiptStatus.Cancelled, CancelledAt = at, LeaseUntil = null, LastError = null }, CancellationToken.None).ConfigureAwait(false);
        Log.ReceiptCancelled(logger, row.SessionId, row.PaymentId);
        metrics.Receipt("CANCELLED");
        audit.Record(row.SessionId, PaymentEvents.Receipt("CANCELLED", row.PaymentId, row.InvoiceId, "cancel"));
    }

    /// <summary>Retried after 30 s, 1, 2, 4 … minutes; after the last attempt the row gives up (<paramref name="giveUp"/>) and the message is poisoned.</summary>
    private async Task FailedAsync(ReceiptRecord row, ReceiptMessage message, string code, int attempts, Func<ReceiptRecord, ReceiptRecord> giveUp)
    {
        var settings = options.Value;
        var last = attempts >= settings.MaxAttempts;
        await receipts.UpdateAsync(
            row,
            r => (last ? giveUp(r) : r) with { LeaseUntil = null, LastError = code },
            CancellationToken.None).ConfigureAwait(false);
        if (last)
        {
            Log.ReceiptPoisoned(logger, row.SessionId, row.PaymentId, message.Cancel ? "cancel" : "issue", code, attempts);
            metrics.Receipt("FAILED");
            audit.Record(row.SessionId, PaymentEvents.Receipt("FAILED", row.PaymentId, row.InvoiceId, Step(message) + ":" + code));
            await queue.PoisonAsync(message with { Attempt = attempts }, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var wait = TimeSpan.FromTicks(settings.RetryBackoff.Ticks << Math.Min(attempts - 1, 10));
        Log.ReceiptAttemptFailed(logger, row.SessionId, row.PaymentId, message.Cancel ? "cancel" : "issue", code, attempts);
        metrics.Receipt("RETRYING");
        audit.Record(row.SessionId, PaymentEvents.Receipt("RETRYING", row.PaymentId, row.InvoiceId, Step(message) + ":" + code));
        await queue.EnqueueAsync(message with { Attempt = attempts + 1 }, wait, CancellationToken.None).ConfigureAwait(false);
    }

    private static string Step(ReceiptMessage message) => message.Cancel ? "cancel" : "issue";

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
