using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Receipts;

/// <summary>
/// The e-receipts of a paid invoice as order creation finds them: the summary it writes with the session PROCESSED,
/// and the messages it queues once that write is done (so no message can finish a receipt before the session shows it).
/// The summary is null when there is none to write (no rows): the stored one stays.
/// </summary>
public sealed record ReceiptRequest(SessionReceipts? Summary, IReadOnlyList<ReceiptMessage> Messages);
