using Azure.Data.Tables;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// The reconciler's index of unfinished sessions (design: "Reconciler"). A session enters when it
/// is created and leaves when its orders exist, it ends unpaid, or its refund is done. Every
/// operation on one session is a point operation; finding what is due reads only what is due.
/// </summary>
public interface IPendingSessionIndex
{
    Task<PendingSessionEntry?> GetAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Begins the entry of a session not written yet: writes its due row, and answers the insert of its home row
    /// for the transaction that inserts the session row (the same partition), so that the entry costs no request
    /// of its own. Were that transaction never to happen, the due row is one no home row points to: the listing deletes it.
    /// </summary>
    Task<TableTransactionAction> StartAsync(PendingSessionEntry entry, CancellationToken cancellationToken);

    /// <summary>Adds the entry, or moves it to its new time whatever the index held.</summary>
    Task AddAsync(PendingSessionEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Reschedules an entry read from the index (it carries its <see cref="PendingSessionEntry.Version"/>);
    /// false when it changed or left the index meanwhile: the newer state wins. Clears the visit's ticket.
    /// </summary>
    Task<bool> UpdateAsync(PendingSessionEntry entry, CancellationToken cancellationToken);

    Task RemoveAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Ends a removal whose home row the caller deleted in a transaction of its own, in the session's partition
    /// (<see cref="PendingHome.DeleteAction"/>): deletes the due row that home row pointed to (gone already: nothing).
    /// </summary>
    Task RemoveDueAsync(PendingHome removed, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="max"/> entries due now: first checks and claims first, then the others,
    /// earliest due first within each.
    /// </summary>
    Task<IReadOnlyList<DueSlot>> ListDueAsync(int max, CancellationToken cancellationToken);

    /// <summary>
    /// Hands out one visit of a listed entry: the entry gets a ticket, and its due row moves
    /// <paramref name="lease"/> ahead, so that it is listed again only if the visit never happens.
    /// Null when the slot is stale (the entry moved or left).
    /// </summary>
    Task<IssuedVisit?> IssueAsync(DueSlot slot, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the visit of <paramref name="ticket"/>: null when that ticket is no longer the entry's
    /// (a duplicate or stale message) or another visit holds it; otherwise the entry, held for <paramref name="lease"/>.
    /// </summary>
    Task<PendingSessionEntry?> BeginVisitAsync(string sessionId, string ticket, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Gives a begun visit back unfinished (the host is stopping): a redelivered message may start it again.</summary>
    Task ReleaseVisitAsync(PendingSessionEntry entry, CancellationToken cancellationToken);
}
