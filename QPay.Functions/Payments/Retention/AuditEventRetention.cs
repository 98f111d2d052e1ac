using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Retention;

/// <summary>
/// Removes audit trail events older than AUDIT_RETENTION_DAYS. Their row keys begin with the event's
/// time (<see cref="PaymentEventKeys"/>), so one filter, <c>RowKey lt '&lt;cutoff&gt;'</c>, finds them in
/// every session's partition; storage scans the table for it, a few pages a run from where the last stopped.
/// </summary>
public sealed class AuditEventRetention(StorageClients storage, ScanCursors cursors, IOptions<PaymentOptions> payments, IOptions<RetentionOptions> options, TimeProvider clock)
{
    public async Task<int> RunAsync(RetentionBudget budget, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(payments.Value.PaymentEventsTable, cancellationToken).ConfigureAwait(false);
        var cutoff = PaymentEventKeys.TimePrefix(clock.GetUtcNow() - options.Value.AuditRetention);
        return await TableSweep.DeleteMatchingAsync(
            table, TableClient.CreateQueryFilter($"RowKey lt {cutoff}"), budget, cursors, ScanCursors.AuditEvents, options.Value.ScanPages, cancellationToken).ConfigureAwait(false);
    }
}
