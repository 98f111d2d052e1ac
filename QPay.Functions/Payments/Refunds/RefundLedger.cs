using Azure;
using Azure.Data.Tables;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Refunds;

/// <summary>A page of refunds across sessions, and where the next one starts (null at the end).</summary>
public sealed record RefundPage(IReadOnlyList<RefundRecord> Refunds, string? ContinuationToken);

/// <summary>
/// The Refunds table: per session (PK) its plan and one row per thing refunded.
/// Inserts decide who refunds what (a second insert of the same key finds the first row); every
/// change is ETag-guarded.
/// </summary>
public interface IRefundLedger
{
    Task<RefundPlan?> GetPlanAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> to the session's plan (null when it has none yet) under
    /// optimistic concurrency, asking again after a conflict; a null change leaves it. Answers the
    /// stored plan (null when there is none) and whether this call wrote it.
    /// </summary>
    Task<(RefundPlan? Plan, bool Changed)> UpdatePlanAsync(string sessionId, Func<RefundPlan?, RefundPlan?> change, CancellationToken cancellationToken);

    Task<RefundRecord?> GetAsync(string sessionId, string key, CancellationToken cancellationToken);

    /// <summary>Every refund of the session (the plan row excluded).</summary>
    Task<IReadOnlyList<RefundRecord>> ListAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Inserts the refund unless its key exists; answers the stored row and whether this call created it.</summary>
    Task<(RefundRecord Record, bool Created)> AddAsync(RefundRecord record, CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="change"/> under optimistic concurrency; answers the stored row and whether this call changed it.</summary>
    Task<(RefundRecord? Record, bool Changed)> UpdateAsync(string sessionId, string key, Func<RefundRecord, RefundRecord?> change, CancellationToken cancellationToken);

    /// <summary>Refunds of every session with this method and status, a page at a time (for the operator's list).</summary>
    Task<RefundPage> ListAsync(RefundMethod method, RefundStatus status, int pageSize, string? continuationToken, CancellationToken cancellationToken);
}

internal sealed class RefundTable(StorageClients storage) : IRefundLedger
{
    public async Task<RefundPlan?> GetPlanAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var read = await table.GetEntityIfExistsAsync<RefundPlanEntity>(sessionId, RefundKeys.Plan, cancellationToken: cancellationToken).ConfigureAwait(false);
        return read.HasValue ? read.Value!.ToPlan() : null;
    }

    public async Task<(RefundPlan? Plan, bool Changed)> UpdatePlanAsync(string sessionId, Func<RefundPlan?, RefundPlan?> change, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var read = await table.GetEntityIfExistsAsync<RefundPlanEntity>(sessionId, RefundKeys.Plan, cancellationToken: cancellationToken).ConfigureAwait(false);
            var current = read.HasValue ? read.Value!.ToPlan() : null;
            if (change(current) is not { } changed || SamePlan(current, changed))
            {
                return (current, false);
            }

            try
            {
                var entity = RefundPlanEntity.From(changed with { SessionId = sessionId });
                if (read.HasValue)
                {
                    await table.UpdateEntityAsync(entity, read.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }

                return (changed, true);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < OptimisticUpdate.MaxAttempts)
            {
                // Someone else wrote the plan first: read it again and let the change decide again.
            }
        }
    }

    private static bool SamePlan(RefundPlan? current, RefundPlan changed) =>
        current is not null && current with { Shops = changed.Shops } == changed && current.Shops.SequenceEqual(changed.Shops, StringComparer.Ordinal);

    public async Task<RefundRecord?> GetAsync(string sessionId, string key, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var read = await table.GetEntityIfExistsAsync<RefundEntity>(sessionId, key, cancellationToken: cancellationToken).ConfigureAwait(false);
        return read.HasValue ? read.Value!.ToRecord() : null;
    }

    public async Task<IReadOnlyList<RefundRecord>> ListAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<RefundRecord>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sessionId} and RowKey ne {RefundKeys.Plan}");
        await foreach (var entity in table.QueryAsync<RefundEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            records.Add(entity.ToRecord());
        }

        return records;
    }

    public async Task<(RefundRecord Record, bool Created)> AddAsync(RefundRecord record, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var row = RefundEntity.From(record);
        var watch = LostReplyWatch.Begin();
        try
        {
            await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
            return (record, true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Another writer's row, or (after a try lost in transit) this insert itself, stored and retried by the
            // SDK: then the row holds what it sent, and the caller records it as created.
            var (stored, own) = await watch.ReadBackAsync(table, row, cancellationToken).ConfigureAwait(false);
            return (stored?.ToRecord() ?? record, own);
        }
    }

    public async Task<(RefundRecord? Record, bool Changed)> UpdateAsync(string sessionId, string key, Func<RefundRecord, RefundRecord?> change, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var (row, written) = await OptimisticUpdate.ApplyAsync<RefundEntity>(table, sessionId, key, entity =>
        {
            var current = entity.ToRecord();
            return change(current) is { } changed && changed != current ? RefundEntity.From(changed) : null;
        }, cancellationToken).ConfigureAwait(false);
        return (row?.ToRecord(), written);
    }

    public async Task<RefundPage> ListAsync(RefundMethod method, RefundStatus status, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        // Refunds are few next to payments, and the filter runs in the table service; the page
        // (and its continuation) bounds what one call reads.
        if (continuationToken is not null && !IsTableToken(continuationToken))
        {
            throw new FormatException("The continuation token is not one this list gave.");
        }

        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"Method eq {method.ToString()} and Status eq {status.ToString()}");
        await foreach (var page in table.QueryAsync<RefundEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken)
            .AsPages(continuationToken, pageSize).ConfigureAwait(false))
        {
            return new RefundPage(page.Values.Select(e => e.ToRecord()).ToList(), page.ContinuationToken);
        }

        return new RefundPage([], null);
    }

    /// <summary>
    /// The table service's continuation is "&lt;base64 next partition key&gt; &lt;base64 next row key&gt;".
    /// Anything else would be sent on as a key and answer a page as if it were one: refused instead.
    /// </summary>
    private static bool IsTableToken(string token)
    {
        var parts = token.Split(' ');
        return parts.Length is 1 or 2 && parts[0].Length > 0 && parts.All(IsBase64Text);

        static bool IsBase64Text(string part)
        {
            var bytes = new byte[part.Length];
            return Convert.TryFromBase64String(part, bytes, out var written)
                && !System.Text.Encoding.UTF8.GetString(bytes, 0, written).Any(char.IsControl);
        }
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.RefundsTable, cancellationToken);
}
