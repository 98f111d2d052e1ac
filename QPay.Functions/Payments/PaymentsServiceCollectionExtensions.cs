using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Cancellation;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Ledger;
using QPay.Functions.Payments.Operations;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.RateLimiting;
using QPay.Functions.Payments.Pricing;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Payments.Refunding;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Retention;
using QPay.Functions.Payments.Seeding;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Payments.Status;
using QPay.Functions.Payments.Verification;
using QPay.Functions.Payments.Webhooks;

namespace QPay.Functions.Payments;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>Catalogue and pricing, sessions, webhook verification, order creation, refunds and status.</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services)
    {
        services.AddOptions<PaymentOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PaymentOptions>, PaymentOptionsValidator>();

        services.AddSingleton<PaymentEventTable>();
        services.AddSingleton<IPaymentAudit>(sp => sp.GetRequiredService<PaymentEventTable>());
        services.AddSingleton<IPaymentEventLog>(sp => sp.GetRequiredService<PaymentEventTable>());

        services.AddSingleton<ISessionStore, SessionTableStore>();
        services.AddSingleton<RedisSessionCache>();
        services.AddSingleton<ISessionCache>(sp => sp.GetRequiredService<RedisSessionCache>());
        services.AddSingleton<ISessionCacheLock>(sp => sp.GetRequiredService<RedisSessionCache>());
        services.AddSingleton<SeedSessionService>();
        services.AddSingleton<IUserOpenSessions, UserOpenSessionsTable>();
        services.AddSingleton<OpenSessionCap>();
        services.AddSingleton<CheckoutPricer>();

        // The Products table is the default catalogue; a marketplace registers its own IProductCatalog after this.
        services.AddSingleton<ProductTable>();
        services.AddSingleton<IProductCatalog>(sp => sp.GetRequiredService<ProductTable>());
        services.AddSingleton<IProductStore>(sp => sp.GetRequiredService<ProductTable>());
        services.AddSingleton<ICouponStore, CouponTable>();
        services.AddSingleton<CatalogAdmin>();
        services.AddSingleton<SessionReader>();

        services.AddSingleton<IProcessedInvoiceStore, ProcessedInvoiceTableStore>();
        services.AddSingleton<IOrderStore, OrderTableStore>();
        services.AddSingleton<IOrderQueue, StorageOrderQueue>();
        services.AddSingleton<OrderCreationService>();
        services.AddSingleton<InvoiceCheckLock>();
        services.AddSingleton<PaymentVerifier>();
        services.AddSingleton<InvoiceClaimer>();
        services.AddSingleton<WebhookProcessor>();
        services.AddSingleton<SessionCanceller>();
        services.AddSingleton<ISessionSuperseder>(sp => sp.GetRequiredService<SessionCanceller>());

        services.AddOptions<EbarimtOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EbarimtOptions>, EbarimtOptionsValidator>();
        services.AddSingleton<IReceiptStore, ReceiptTable>();
        services.AddSingleton<IReceiptQueue, StorageReceiptQueue>();
        services.AddSingleton<ReceiptService>();
        services.AddSingleton<ReceiptIssuer>();

        services.AddSingleton<IRefundLedger, RefundTable>();
        services.AddSingleton<IRefundQueue, StorageRefundQueue>();
        services.AddSingleton<RefundStarter>();
        services.AddSingleton<RefundSync>();
        services.AddSingleton<RefundProcessor>();
        services.AddSingleton<RefundService>();

        services.AddSingleton<PaymentStatusService>();
        services.AddSingleton<LimitedStatusRead>();
        services.AddSingleton<IUserRateLimiter, UserRateLimiter>();

        services.AddSingleton<PendingSessionTableIndex>();
        services.AddSingleton<IPendingSessionIndex>(sp => sp.GetRequiredService<PendingSessionTableIndex>());
        services.AddSingleton<PendingIndexMigration>();
        services.AddSingleton<IReconcileQueue, StorageReconcileQueue>();
        services.AddSingleton<PaymentReconciler>();
        services.AddSingleton<ReconcileDispatcher>();

        // Operators' tools (admin routes).
        services.AddSingleton<IUserSessionIndex, UserSessionTableIndex>();
        services.AddSingleton<SessionInspector>();
        services.AddSingleton<CheckNowLimiter>();
        services.AddSingleton<SessionChecker>();
        services.AddSingleton<AppQueues>();
        services.AddSingleton<PoisonMessages>();
        services.AddSingleton<PoisonKeeper>();

        services.AddOptions<RetentionOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddSingleton<PendingIndexLeftovers>();
        services.AddSingleton<ScanCursors>();
        services.AddSingleton<IdempotencyKeyRetention>();
        services.AddSingleton<SessionRetention>();
        services.AddSingleton<AuditEventRetention>();
        services.AddSingleton<RetentionService>();
        services.AddSingleton<ILedgerRunStore, LedgerRunTable>();
        services.AddSingleton<LedgerPaymentMatcher>();
        services.AddSingleton<LedgerCheck>();
        // Live status (issue 19): status changes published per session, waiting status requests.
        services.AddSingleton<ISessionStatusChannel, RedisSessionStatusChannel>();
        services.AddSingleton<StatusWaiter>();

        return services;
    }
}
