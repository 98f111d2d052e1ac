using Azure;
using Azure.Data.Tables;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// A session's home row in the reconciler's index (<see cref="PendingSessionTableIndex"/>), as a row of its
/// session's own partition of PaymentSessions (PK sessionId, RK <see cref="RowKey"/>): so that a write that
/// finishes the session can take it out of the index in the same entity-group transaction.
/// </summary>
/// <param name="ETag">The row's version as read: the delete goes through only if no index writer moved the entry since.</param>
/// <param name="Due">The due row it points to, which the index deletes once the home row is gone.</param>
public sealed record PendingHome(string SessionId, ETag ETag, DueSlot? Due)
{
    /// <summary>Neither the session row (<c>session</c>) nor a claim (<c>claim~</c>), and the same for every session.</summary>
    public const string RowKey = "reconcile~home";

    /// <summary>The home row of a session partition's rows, if one is there.</summary>
    public static PendingHome? Of(TableEntity row) =>
        row.RowKey == RowKey ? new PendingHome(row.PartitionKey, row.ETag, SlotOf(row.PartitionKey, row)) : null;

    /// <summary>The home row deleted in the caller's transaction, only if unchanged since read (412 otherwise: read again).</summary>
    public TableTransactionAction DeleteAction() =>
        new(TableTransactionActionType.Delete, new TableEntity(SessionId, RowKey), ETag);

    /// <summary>Where a home row (in either place) says the entry's due row is.</summary>
    internal static DueSlot? SlotOf(string sessionId, TableEntity home) =>
        home.GetString("DuePartition") is { } partition && home.GetString("DueRow") is { } row ? new DueSlot(sessionId, partition, row) : null;
}
