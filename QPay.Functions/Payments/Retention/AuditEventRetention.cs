using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Retention;

/// <summary>
/// Removes audit trail events older than AUDIT_RETENTION_DAYS. Their row keys begin with the event's
/// time (<see cref="PaymentEventKeys"/>), so one filter, <c>RowKey lt '&lt;cutoff&gt;'</c>, finds them in
/// every session's partition; storage scans the table, and a run reads no more rows than it may delete.
/// </summary>
public sealed class AuditEventRetention(StorageClients storage, IOptions<PaymentOptions> payments, IOptions<RetentionOptions> options, TimeProvider clock)
{
    public async Task<int> RunAsync(RetentionBudget budget, CancellationToken cancellationToken)
    {
        var wanted = budget.Left;
        if (wanted <= 0)
        {
            return 0;
        }

        var table = await storage.GetTableAsync(payments.Value.PaymentEventsTable, cancellationToken).ConfigureAwait(false);
        var cutoff = PaymentEventKeys.TimePrefix(clock.GetUtcNow() - options.Value.AuditRetention);
        var filter = TableClient.CreateQueryFilter($"RowKey lt {cutoff}");
        var rows = new List<(string, string)>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(wanted, 1000), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add((row.PartitionKey, row.RowKey));
            if (rows.Count == wanted)
            {
                break;
            }
        }

        var deleted = await TableSweep.DeleteAsync(table, rows, cancellationToken).ConfigureAwait(false);
        budget.Take(deleted);
        return deleted;
    }
}
