using Microsoft.Extensions.Logging;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Payments.Orders;

/// <summary>
/// Creates the orders of a verified invoice (design §4, the queue side): one order per seller,
/// ids derived from (invoiceId, shopId) so a redelivered message rewrites the same rows, all in one
/// transaction; then the session becomes PROCESSED and the claim OrdersCreated, and the session leaves the
/// reconciler's index, in one more (and its due row after). A coupon's redemption is counted first. Anything unexpected throws, so that the
/// queue retries and, after <see cref="MaxDequeueCount"/> attempts, moves the message to poison.
/// </summary>
public sealed class OrderCreationService(
    ISessionStore sessions,
    ISessionCache cache,
    IProcessedInvoiceStore claims,
    IOrderStore orders,
    IPendingSessionIndex pending,
    ICouponStore coupons,
    IRefundLedger refunds,
    ReceiptService receipts,
    TimeProvider clock,
    PaymentMetrics metrics,
    IPaymentAudit audit,
    ILogger<OrderCreationService> logger)
{
    /// <summary>host.json <c>extensions.queues.maxDequeueCount</c> (a test keeps the two equal).</summary>
    public const int MaxDequeueCount = 5;

    /// <summary>How often the session and claim are read again when someone wrote one of them between the read and the finish.</summary>
    private const int MaxFinishAttempts = 10;

    public async Task<IReadOnlyList<string>> CreateOrdersAsync(OrderCreationMessage message, CancellationToken cancellationToken)
    {
        // The session with its claim: one partition query.
        var read = await claims.ReadWithSessionAsync(message.SessionId, cancellationToken).ConfigureAwait(false)
            ?? throw new OrderCreationException($"session {message.SessionId} does not exist");
        var session = read.Session;
        if (session.InvoiceId != message.InvoiceId)
        {
            throw new OrderCreationException($"session {message.SessionId} belongs to another invoice than {message.InvoiceId}");
        }

        // Orders are only ever created for an invoice a webhook verified with QPay and claimed.
        var claim = read.Claim;
        if (claim is null || claim.SessionId != session.SessionId)
        {
            throw new OrderCreationException($"invoice {message.InvoiceId} has no verified claim for session {message.SessionId}");
        }

        if (claim.State == ClaimState.HeldForRefund)
        {
            // A late payment under the refund policy never becomes orders (nothing queues it; this is a stray message).
            Log.OrdersRefusedForRefund(logger, session.SessionId, message.InvoiceId);
            return [];
        }

        if (claim.State == ClaimState.OrdersCreated)
        {
            // A late or re-queued message: the orders exist and may have moved on; never rewrite them.
            await FinishSessionAsync(session, claim.OrderIds, claim, cancellationToken).ConfigureAwait(false);
            await pending.RemoveAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
            // The delivery that created them may have stopped before it queued their e-receipts.
            await receipts.QueueUnaskedAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
            return claim.OrderIds;
        }

        // The coupon's redemption is counted before the orders exist, so that every retry of this
        // message counts it (once: the store keys it by session) until the orders are written.
        if (session.Coupon is { Code: { } code } && await coupons.RedeemAsync(code, session.UserId, session.SessionId, cancellationToken).ConfigureAwait(false))
        {
            Log.CouponRedeemed(logger, session.SessionId, code);
        }

        var split = OrderSplitter.Split(session, message.InvoiceId, claim.VerifiedAt);
        await orders.UpsertAllAsync(split, cancellationToken).ConfigureAwait(false);

        var orderIds = split.Select(o => o.OrderId).ToList();
        await RecordExcessAsync(session, claim, cancellationToken).ConfigureAwait(false);
        // One e-receipt row per counted payment, written before the orders count as created so that a retry asks
        // again (once: rows per payment); its summary is written with the session, its messages queued after it.
        var receiptRequest = await receipts.PrepareAsync(session, message.InvoiceId, claim.PaymentIds, cancellationToken).ConfigureAwait(false);
        var leftIndex = await FinishAsync(read, orderIds, receiptRequest, cancellationToken).ConfigureAwait(false);
        await receipts.QueueAsync(receiptRequest, cancellationToken).ConfigureAwait(false);
        if (!leftIndex)
        {
            // The finish did not take the session out of the reconciler's index (an entry in the index's old place, or finished elsewhere).
            await pending.RemoveAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
        }

        Log.OrdersCreated(logger, session.SessionId, message.InvoiceId, orderIds.Count);
        metrics.OrdersCreated(orderIds.Count);
        audit.Record(session.SessionId, PaymentEvents.OrdersCreated(message.InvoiceId, orderIds));
        return orderIds;
    }

    /// <summary>
    /// The session PROCESSED with its order ids and the claim OrdersCreated, and its home row in the reconciler's
    /// index deleted, in one transaction (each only if unchanged since read: else read again and written again).
    /// A claim someone else finished meanwhile is left as it is: its orders exist and are never rewritten.
    /// True when the session left the reconciler's index with it. The receipts' summary is read again with the
    /// session when the write has to be made again, so it is never older than the session it is written to.
    /// </summary>
    private async Task<bool> FinishAsync(SessionWithClaim read, IReadOnlyList<string> orderIds, ReceiptRequest receiptRequest, CancellationToken cancellationToken)
    {
        var claim = read.Claim!;
        var records = MntAmount.Excess(claim.PaidMnt, read.Session.ExpectedMnt) == 0m
            ? []
            : await refunds.ListAsync(read.Session.SessionId, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            if (read.Claim is not { State: ClaimState.Verified } current)
            {
                // Finished by another delivery of this message (or gone): its session write is its own.
                return false;
            }

            var write = await claims.TryWriteWithSessionAsync(
                read,
                current with { State = ClaimState.OrdersCreated, OrderIds = orderIds, OrdersCreatedAt = now },
                s => Processed(s, orderIds, current, records, receiptRequest.Summary),
                cancellationToken).ConfigureAwait(false);
            if (write.Written)
            {
                if (write.Session is { } processed)
                {
                    await cache.StoreAsync(processed).ConfigureAwait(false);
                }

                return write.LeftPendingIndex;
            }

            if (attempt == MaxFinishAttempts)
            {
                throw new OrderCreationException($"session {read.Session.SessionId} kept changing while its orders were finished");
            }

            read = await claims.ReadWithSessionAsync(read.Session.SessionId, cancellationToken).ConfigureAwait(false)
                ?? throw new OrderCreationException($"session {read.Session.SessionId} is gone");
            receiptRequest = await receipts.RefreshAsync(receiptRequest, read.Session.SessionId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What a session looks like once its orders exist (shown with its refunds and e-receipts).</summary>
    /// <param name="receipts">The receipts' summary to write with it (SKIPPED when e-receipts are off); null leaves the stored one.</param>
    private static PaymentSession Processed(PaymentSession s, IReadOnlyList<string> orderIds, ProcessedInvoice claim, IReadOnlyList<RefundRecord> records, SessionReceipts? receipts) => s with
    {
        Status = SessionStatus.Processed,
        OrderIds = orderIds,
        PaidMnt = s.PaidMnt ?? claim.PaidMnt,
        Refund = records.Count == 0 ? s.Refund : RefundProjection.Summarise(s, null, records),
        Receipts = receipts ?? s.Receipts,
    };

    /// <summary>
    /// An overpayment is fulfilled, and what was paid beyond the invoice becomes a manual refund
    /// (QPay cannot reverse part of a payment). Recorded before the orders count as created, so a
    /// retry of this message records it if this attempt could not.
    /// </summary>
    private async Task RecordExcessAsync(PaymentSession session, ProcessedInvoice claim, CancellationToken cancellationToken)
    {
        var excess = MntAmount.Excess(claim.PaidMnt, session.ExpectedMnt);
        if (excess == 0m)
        {
            return;
        }

        var (record, created) = await refunds.AddAsync(
            new RefundRecord
            {
                SessionId = session.SessionId,
                Key = RefundKeys.Excess,
                InvoiceId = claim.InvoiceId,
                Kind = RefundKind.Excess,
                PaymentId = claim.PaymentIds.FirstOrDefault(),
                AmountMnt = excess,
                Method = RefundMethod.Manual,
                Status = RefundStatus.Pending,
                Reason = RefundReasons.Overpayment,
                CreatedAt = clock.GetUtcNow(),
            },
            cancellationToken).ConfigureAwait(false);
        if (created)
        {
            audit.Record(session.SessionId, PaymentEvents.Refund("PENDING", excess, record.PaymentId, claim.InvoiceId, "excess"));
            Log.Overpayment(logger, session.SessionId, claim.InvoiceId, claim.PaidMnt, session.ExpectedMnt, excess, record.RefundId);
        }
    }

    /// <summary>The session of a claim finished already becomes PROCESSED with its order ids (ETag-guarded, never backwards), and shows its refunds.</summary>
    private async Task FinishSessionAsync(PaymentSession session, IReadOnlyList<string> orderIds, ProcessedInvoice claim, CancellationToken cancellationToken)
    {
        var records = MntAmount.Excess(claim.PaidMnt, session.ExpectedMnt) == 0m
            ? []
            : await refunds.ListAsync(session.SessionId, cancellationToken).ConfigureAwait(false);
        var processed = await sessions.UpdateAsync(session.SessionId, s => Processed(s, orderIds, claim, records, null), cancellationToken).ConfigureAwait(false);
        if (processed is not null)
        {
            await cache.StoreAsync(processed).ConfigureAwait(false);
        }
    }
}

/// <summary>A message that cannot be turned into orders (yet); the queue retries it.</summary>
public sealed class OrderCreationException(string message) : Exception(message);
