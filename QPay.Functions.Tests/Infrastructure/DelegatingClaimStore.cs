using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>The real claim store, for a test that acts in between its writes (override <see cref="TryWriteWithSessionAsync"/>).</summary>
internal class DelegatingClaimStore(IProcessedInvoiceStore inner) : IProcessedInvoiceStore
{
    protected IProcessedInvoiceStore Inner => inner;

    public Task<ProcessedInvoice?> GetAsync(string sessionId, string invoiceId, CancellationToken cancellationToken) => inner.GetAsync(sessionId, invoiceId, cancellationToken);

    public Task<bool> TryClaimAsync(ProcessedInvoice claim, CancellationToken cancellationToken) => inner.TryClaimAsync(claim, cancellationToken);

    public Task<bool> TryUpdateAsync(string sessionId, string invoiceId, Func<ProcessedInvoice, ProcessedInvoice?> change, CancellationToken cancellationToken) =>
        inner.TryUpdateAsync(sessionId, invoiceId, change, cancellationToken);

    public Task<SessionWithClaim?> ReadWithSessionAsync(string sessionId, CancellationToken cancellationToken) => inner.ReadWithSessionAsync(sessionId, cancellationToken);

    public Task<SessionWithClaim?> ReadWithSessionAsync(string sessionId, string invoiceId, CancellationToken cancellationToken) => inner.ReadWithSessionAsync(sessionId, invoiceId, cancellationToken);

    public virtual Task<SessionClaimWrite> TryWriteWithSessionAsync(
        SessionWithClaim read, ProcessedInvoice claim, Func<PaymentSession, PaymentSession?>? sessionChange, CancellationToken cancellationToken) =>
        inner.TryWriteWithSessionAsync(read, claim, sessionChange, cancellationToken);
}
