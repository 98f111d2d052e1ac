using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Claims;

/// <summary>The ProcessedInvoices table: one claim per verified invoice.</summary>
public interface IProcessedInvoiceStore
{
    Task<ProcessedInvoice?> GetAsync(string invoiceId, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts the claim; false when another caller inserted one first (409). A 409 on our own
    /// insert (stored, but its reply lost and the request retried) counts as ours: the stored
    /// row carries our <see cref="ProcessedInvoice.ClaimId"/>.
    /// </summary>
    Task<bool> TryClaimAsync(ProcessedInvoice claim, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> under optimistic concurrency (ETag), re-reading and
    /// asking <paramref name="change"/> again when someone else wrote first. False when the claim
    /// is missing or the change is null. State never goes back from OrdersCreated. Ten conflicts in
    /// a row throw (the caller's retry mechanism takes over).
    /// </summary>
    Task<bool> TryUpdateAsync(string invoiceId, Func<ProcessedInvoice, ProcessedInvoice?> change, CancellationToken cancellationToken);
}

internal sealed class ProcessedInvoiceTableStore(StorageClients storage) : IProcessedInvoiceStore
{
    public async Task<ProcessedInvoice?> GetAsync(string invoiceId, CancellationToken cancellationToken) =>
        (await ReadAsync(invoiceId, cancellationToken).ConfigureAwait(false))?.ToClaim();

    public async Task<bool> TryClaimAsync(ProcessedInvoice claim, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.ProcessedInvoicesTable, cancellationToken).ConfigureAwait(false);
        try
        {
            await table.AddEntityAsync(ProcessedInvoiceEntity.From(claim), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var stored = await GetAsync(claim.InvoiceId, cancellationToken).ConfigureAwait(false);
            return stored?.ClaimId == claim.ClaimId;
        }
    }

    public async Task<bool> TryUpdateAsync(string invoiceId, Func<ProcessedInvoice, ProcessedInvoice?> change, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.ProcessedInvoicesTable, cancellationToken).ConfigureAwait(false);
        var (_, written) = await OptimisticUpdate.ApplyAsync<ProcessedInvoiceEntity>(table, invoiceId, ProcessedInvoiceEntity.ClaimRowKey, entity =>
        {
            var current = entity.ToClaim();
            var changed = change(current);
            return changed is null || (current.State == ClaimState.OrdersCreated && changed.State != ClaimState.OrdersCreated)
                ? null
                : ProcessedInvoiceEntity.From(changed);
        }, cancellationToken).ConfigureAwait(false);
        return written;
    }

    private async Task<ProcessedInvoiceEntity?> ReadAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(StorageNames.ProcessedInvoicesTable, cancellationToken).ConfigureAwait(false);
        var response = await table.GetEntityIfExistsAsync<ProcessedInvoiceEntity>(invoiceId, ProcessedInvoiceEntity.ClaimRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }
}
