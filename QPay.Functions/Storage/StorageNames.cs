namespace QPay.Functions.Storage;

/// <summary>The tables and queues of design §5. Bicep creates the same names in Azure.</summary>
public static class StorageNames
{
    public const string PaymentSessionsTable = "PaymentSessions";
    public const string ProcessedInvoicesTable = "ProcessedInvoices";
    public const string OrdersTable = "Orders";
    public const string ProductsTable = "Products";
    public const string CouponsTable = "Coupons";
    public const string RefundsTable = "Refunds";
    public const string IdempotencyKeysTable = "IdempotencyKeys";
    public const string EbarimtReceiptsTable = "EbarimtReceipts";
    public const string PaymentEventsTable = "PaymentEvents";
    public const string LedgerRunsTable = "LedgerRuns";
    public const string OrderCreationQueue = "qpay-order-creation";
    public const string OrderCreationPoisonQueue = OrderCreationQueue + "-poison";
    public const string RefundQueue = "qpay-refunds";
    public const string RefundPoisonQueue = RefundQueue + "-poison";
    public const string ReconcileQueue = "qpay-reconcile";
    public const string ReconcilePoisonQueue = ReconcileQueue + "-poison";
    public const string EbarimtQueue = "qpay-ebarimt";
    public const string EbarimtPoisonQueue = EbarimtQueue + "-poison";
}
