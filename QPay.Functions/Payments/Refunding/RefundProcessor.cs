using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.QPayApi;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Refunding;

/// <summary>Where a session's refund stands after a run.</summary>
public enum RefundRun
{
    /// <summary>Nothing is left for QPay: every payment is reversed, or waits for a transfer by hand.</summary>
    Finished,

    /// <summary>QPay refused or did not answer: a message on the refund queue tries again later.</summary>
    Retrying,

    /// <summary>Another caller is carrying this refund out right now.</summary>
    Busy,

    /// <summary>The session is not being refunded whole (or does not exist).</summary>
    NotRefunding,
}

public sealed record RefundProgress(RefundRun Run, PaymentSession? Session, DateTimeOffset? NextAttemptAt = null);

/// <summary>
/// Carries out the whole refund of a session, for the refund route, the refund queue and the
/// reconciler alike. Each run: QPay's own list of the invoice's payments (<c>payment/check</c>)
/// says what to give back; each payment gets its ledger row once (keyed by payment id); each
/// pending card reversal is asked of QPay by one caller at a time (a lease on its row), so a
/// payment is refunded at most once whatever arrives concurrently. <c>PAYMENT_SETTLED</c> turns
/// the row into a manual refund; any other failure waits on a doubling backoff and is retried
/// through the queue, never dropped, never taken for "refunded". A payment counts as reversed
/// only when QPay answers the refund with success or lists the payment REFUNDED.
/// </summary>
public sealed class RefundProcessor(
    IRefundLedger ledger,
    ISessionStore sessions,
    IProcessedInvoiceStore claims,
    IQPayClient qpay,
    RefundStarter starter,
    RefundSync sync,
    RedisLock locks,
    IRefundQueue queue,
    IPendingSessionIndex index,
    IOptions<PaymentOptions> options,
    IOptions<QPayOptions> qpayOptions,
    TimeProvider clock,
    PaymentMetrics metrics,
    IPaymentAudit audit,
    ILogger<RefundProcessor> logger)
{
    private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    /// <summary>After this many failed reversals (about 8 hours on the backoff) an error asks a person to look.</summary>
    public const int AttentionAfterAttempts = 10;

    /// <remarks>Runs to its end once QPay is asked, whatever the caller's token says.</remarks>
    public async Task<RefundProgress> ProcessAsync(string sessionId)
    {
        await using var held = await locks.TryAcquireAsync(RedisKeys.RefundLock(sessionId), LockLease, "refund lock").ConfigureAwait(false);
        if (held is null)
        {
            return new RefundProgress(RefundRun.Busy, await sessions.GetAsync(sessionId, CancellationToken.None).ConfigureAwait(false));
        }

        var session = await sessions.GetAsync(sessionId, CancellationToken.None).ConfigureAwait(false);
        if (session is not { Status: SessionStatus.RefundPending or SessionStatus.Refunded, InvoiceId: { } invoiceId })
        {
            return new RefundProgress(RefundRun.NotRefunding, session);
        }

        var claim = await claims.GetAsync(session.SessionId, invoiceId, CancellationToken.None).ConfigureAwait(false);
        var plan = await PlanAsync(session, claim).ConfigureAwait(false);
        if (plan is null)
        {
            Log.RefundWithoutPlan(logger, sessionId, session.Status.ToApi());
            await index.RemoveAsync(sessionId, CancellationToken.None).ConfigureAwait(false);
            return new RefundProgress(RefundRun.NotRefunding, session);
        }

        var now = clock.GetUtcNow();
        PaymentCheckResult payments;
        try
        {
            payments = await qpay.CheckInvoicePaymentsAsync(invoiceId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QPayApiException exception)
        {
            var next = now + options.Value.RefundRetryBackoff;
            Log.RefundCheckFailed(logger, sessionId, invoiceId, exception.ErrorCode ?? "QPAY_ERROR", next);
            return await RetryAsync(session, next).ConfigureAwait(false);
        }

        var records = (await ledger.ListAsync(sessionId, CancellationToken.None).ConfigureAwait(false)).ToDictionary(r => r.Key, StringComparer.Ordinal);
        var reversed = payments.Rows.Where(r => r.HasPaymentId && r.Is("REFUNDED")).Select(r => r.PaymentId).ToHashSet(StringComparer.Ordinal);
        await AddPaymentsAsync(session, plan, payments, reversed, records).ConfigureAwait(false);
        await SupersedeExcessAsync(records).ConfigureAwait(false);

        foreach (var record in records.Values.Where(r => r.IsPendingApi).ToList())
        {
            records[record.Key] = reversed.Contains(record.PaymentId!)
                ? await ConfirmReversedAsync(record).ConfigureAwait(false)
                : await AttemptAsync(record).ConfigureAwait(false);
        }

        var all = records.Values.ToList();
        var synced = await sync.ApplyAsync(session, CancellationToken.None).ConfigureAwait(false);
        var waiting = all.Where(r => r.IsPendingApi).ToList();

        // A payment the claim verified that QPay's list does not show (yet) is not forgotten: the refund waits for it.
        var missing = (claim?.PaymentIds ?? []).Where(id => !records.ContainsKey(RefundKeys.Payment(id))).ToList();
        foreach (var paymentId in missing)
        {
            Log.RefundPaymentMissing(logger, sessionId, invoiceId, paymentId);
        }

        if (waiting.Count == 0 && missing.Count > 0)
        {
            return await RetryAsync(synced, now + options.Value.RefundRetryBackoff).ConfigureAwait(false);
        }

        if (waiting.Count == 0)
        {
            await index.RemoveAsync(sessionId, CancellationToken.None).ConfigureAwait(false);
            return new RefundProgress(RefundRun.Finished, synced);
        }

        var nextAttempt = waiting.Min(r => r.NextAttemptAt ?? r.LeaseUntil ?? now);
        return await RetryAsync(synced, nextAttempt > now ? nextAttempt : now + options.Value.RefundRetryBackoff).ConfigureAwait(false);
    }

    /// <summary>The session's plan; a late payment held for its refund whose plan was never written gets it now.</summary>
    private async Task<RefundPlan?> PlanAsync(PaymentSession session, ProcessedInvoice? claim)
    {
        var plan = await ledger.GetPlanAsync(session.SessionId, CancellationToken.None).ConfigureAwait(false);
        if (plan?.IsWhole == true)
        {
            return plan;
        }

        if (claim?.State != ClaimState.HeldForRefund)
        {
            return null;
        }

        await starter.PlanWholeAsync(session, RefundReasons.LatePayment, null, RefundStarter.AutomaticSource, CancellationToken.None).ConfigureAwait(false);
        return await ledger.GetPlanAsync(session.SessionId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives every payment QPay holds for the invoice its row: the counted ones to reverse, and
    /// those QPay lists REFUNDED already (reversed elsewhere) as done, so the ledger shows them.
    /// </summary>
    private async Task AddPaymentsAsync(PaymentSession session, RefundPlan plan, PaymentCheckResult payments, HashSet<string> reversed, Dictionary<string, RefundRecord> records)
    {
        var invoiceId = session.InvoiceId!;
        var now = clock.GetUtcNow();
        var counted = payments.CountedRows(invoiceId);
        foreach (var row in counted.Where(r => !r.HasPaymentId))
        {
            // QPay cannot reverse what it names no id for: it goes back by hand, under a key its own fields make.
            var key = RefundKeys.Payment(FormattableString.Invariant($"no-id {row.Amount} {row.PaidAt:o} {row.PaymentType}"));
            if (!records.ContainsKey(key))
            {
                var (manual, created) = await ledger.AddAsync(
                    new RefundRecord
                    {
                        SessionId = session.SessionId, Key = key, InvoiceId = invoiceId, Kind = RefundKind.Payment, AmountMnt = row.Amount ?? 0m,
                        Method = RefundMethod.Manual, Status = RefundStatus.Pending, Reason = plan.WholeReason!, Note = plan.WholeNote, CreatedAt = now,
                    },
                    CancellationToken.None).ConfigureAwait(false);
                records[key] = manual;
                if (created)
                {
                    Log.RefundablePaymentWithoutId(logger, session.SessionId, invoiceId, manual.AmountMnt);
                }
            }
        }

        var refundedRows = payments.Rows.Where(r => r.HasPaymentId && r.Is("REFUNDED") && r.IsForInvoice(invoiceId))
            .GroupBy(r => r.PaymentId, StringComparer.Ordinal).Select(g => g.First());
        foreach (var row in counted.Where(r => r.HasPaymentId).Concat(refundedRows))
        {
            var key = RefundKeys.Payment(row.PaymentId);
            if (records.ContainsKey(key))
            {
                continue;
            }

            var done = reversed.Contains(row.PaymentId);
            var (stored, _) = await ledger.AddAsync(
                new RefundRecord
                {
                    SessionId = session.SessionId,
                    Key = key,
                    InvoiceId = invoiceId,
                    Kind = RefundKind.Payment,
                    PaymentId = row.PaymentId,
                    AmountMnt = row.Amount ?? 0m,
                    Method = RefundMethod.Api,
                    Status = done ? RefundStatus.Refunded : RefundStatus.Pending,
                    RefundedAt = done ? now : null,
                    Reason = plan.WholeReason!,
                    Note = plan.WholeNote,
                    CreatedAt = now,
                },
                CancellationToken.None).ConfigureAwait(false);
            records[key] = stored;
        }
    }

    /// <summary>A whole refund gives the excess back with its payment: the excess's own transfer, not made yet, is dropped.</summary>
    private async Task SupersedeExcessAsync(Dictionary<string, RefundRecord> records)
    {
        if (records.TryGetValue(RefundKeys.Excess, out var excess) && excess.Status == RefundStatus.Pending)
        {
            var (stored, _) = await ledger.UpdateAsync(
                excess.SessionId, excess.Key,
                r => r.Status == RefundStatus.Pending ? r with { Status = RefundStatus.Superseded } : null,
                CancellationToken.None).ConfigureAwait(false);
            records[excess.Key] = stored ?? excess;
        }
    }

    private async Task<RefundRecord> ConfirmReversedAsync(RefundRecord record)
    {
        var now = clock.GetUtcNow();
        var (stored, changed) = await ledger.UpdateAsync(
            record.SessionId, record.Key,
            r => r.IsPendingApi ? r with { Status = RefundStatus.Refunded, RefundedAt = now, LeaseUntil = null, NextAttemptAt = null } : null,
            CancellationToken.None).ConfigureAwait(false);
        if (changed)
        {
            Log.PaymentRefunded(logger, record.SessionId, record.InvoiceId, record.PaymentId!, record.AmountMnt);
            metrics.Refund("REFUNDED");
            audit.Record(record.SessionId, PaymentEvents.Refund("REFUNDED", record.AmountMnt, record.PaymentId, record.InvoiceId, "listed-refunded"));
        }

        return stored ?? record;
    }

    /// <summary>One call to QPay's refund, by whoever takes the row's lease; the answer is written back.</summary>
    private async Task<RefundRecord> AttemptAsync(RefundRecord record)
    {
        var now = clock.GetUtcNow();
        var lease = options.Value.RefundLease > qpayOptions.Value.LeaseFloor ? options.Value.RefundLease : qpayOptions.Value.LeaseFloor;
        var (leased, won) = await ledger.UpdateAsync(
            record.SessionId, record.Key,
            r => r.IsPendingApi && !(r.LeaseUntil > now) && !(r.NextAttemptAt > now) ? r with { LeaseUntil = now + lease, Attempts = r.Attempts + 1 } : null,
            CancellationToken.None).ConfigureAwait(false);
        if (!won || leased is null)
        {
            return leased ?? record;
        }

        Func<RefundRecord, RefundRecord?> outcome;
        try
        {
            await qpay.RefundPaymentAsync(leased.PaymentId!, leased.Note, CancellationToken.None).ConfigureAwait(false);
            Log.PaymentRefunded(logger, leased.SessionId, leased.InvoiceId, leased.PaymentId!, leased.AmountMnt);
            metrics.Refund("REFUNDED");
            audit.Record(leased.SessionId, PaymentEvents.Refund("REFUNDED", leased.AmountMnt, leased.PaymentId, leased.InvoiceId, leased.Reason));
            var at = clock.GetUtcNow();
            outcome = r => r with { Status = RefundStatus.Refunded, RefundedAt = at, LeaseUntil = null, NextAttemptAt = null, LastError = null };
        }
        catch (QPayApiException exception) when (exception.IsPaymentSettled)
        {
            // A bank-app payment: QPay cannot reverse it; someone transfers it back and records the reference.
            Log.ManualRefundNeeded(logger, leased.SessionId, leased.InvoiceId, nameof(RefundKind.Payment), leased.PaymentId!, leased.AmountMnt, leased.RefundId);
            metrics.Refund("MANUAL");
            audit.Record(leased.SessionId, PaymentEvents.Refund("MANUAL", leased.AmountMnt, leased.PaymentId, leased.InvoiceId, exception.ErrorCode));
            outcome = r => r with { Method = RefundMethod.Manual, LeaseUntil = null, NextAttemptAt = null, LastError = exception.ErrorCode };
        }
        catch (QPayApiException exception)
        {
            var next = clock.GetUtcNow() + Backoff(leased.Attempts);
            var code = exception.ErrorCode ?? "QPAY_ERROR";
            Log.RefundAttemptFailed(logger, leased.SessionId, leased.InvoiceId, leased.PaymentId!, code, leased.Attempts, next);
            metrics.Refund("RETRYING");
            audit.Record(leased.SessionId, PaymentEvents.Refund("RETRYING", leased.AmountMnt, leased.PaymentId, leased.InvoiceId, code));
            if (leased.Attempts >= AttentionAfterAttempts)
            {
                Log.RefundNeedsAttention(logger, leased.SessionId, leased.InvoiceId, leased.PaymentId!, leased.Attempts, code);
            }

            outcome = r => r with { LeaseUntil = null, NextAttemptAt = next, LastError = code };
        }

        var (stored, _) = await ledger.UpdateAsync(leased.SessionId, leased.Key, r => r.IsPendingApi ? outcome(r) : null, CancellationToken.None).ConfigureAwait(false);
        return stored ?? leased;
    }

    private TimeSpan Backoff(int attempts) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, options.Value.RefundRetryBackoff.Ticks << Math.Min(Math.Max(attempts - 1, 0), 12)));

    /// <summary>Asks the queue to come back at <paramref name="next"/>; the reconciler looks later still, in case the message is lost.</summary>
    private async Task<RefundProgress> RetryAsync(PaymentSession session, DateTimeOffset next)
    {
        var now = clock.GetUtcNow();
        await queue.EnqueueAsync(new RefundMessage(session.SessionId), next - now, CancellationToken.None).ConfigureAwait(false);
        await index.AddAsync(
            new PendingSessionEntry(session.SessionId, session.CreatedAt, next + options.Value.RefundFollowUp, LastOutcome: PendingSessionEntry.RefundRetryOutcome),
            CancellationToken.None).ConfigureAwait(false);
        return new RefundProgress(RefundRun.Retrying, session, next);
    }
}
