using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Logging;
using QPay.Functions.Functions;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Reconciliation;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Catalog;
using QPay.Functions.QPayApi;
using QPay.Functions.Storage;
using QPay.Sandbox;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>
/// The app (built by the worker's own start-up code) against a private in-process QPay sandbox,
/// the shared Azurite and Redis. Functions are invoked directly with a DefaultHttpContext. Each
/// harness has its own token-cache key and order queue, so tests run in parallel undisturbed.
/// </summary>
internal sealed class PaymentsHarness : IAsyncDisposable
{
    private readonly HttpClient _sandboxHttp;
    private readonly List<IHost> _instances = [];
    private Func<IHost> _buildInstance = null!;

    private PaymentsHarness(QPaySandbox sandbox, IHost app, FakeLogCollector logs, string orderQueue)
    {
        Sandbox = sandbox;
        App = app;
        Logs = logs;
        OrderQueueName = orderQueue;
        RefundQueueName = "test-refunds-" + orderQueue["test-orders-".Length..];
        ReceiptQueueName = "test-ebarimt-" + orderQueue["test-orders-".Length..];
        ReconcileQueueName = "test-reconcile-" + orderQueue["test-orders-".Length..];
        _sandboxHttp = new HttpClient { BaseAddress = sandbox.BaseUrl };
    }

    public QPaySandbox Sandbox { get; }

    public IHost App { get; }

    public IServiceProvider Services => App.Services;

    public FakeLogCollector Logs { get; }

    public string OrderQueueName { get; }

    public string RefundQueueName { get; }

    public string ReceiptQueueName { get; }

    public string ReconcileQueueName { get; }

    public static async Task<PaymentsHarness> StartAsync(
        Action<SandboxOptions>? sandbox = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        string? tokenCacheKey = null)
    {
        LocalStack.EnsureRunning();
        var sandboxOptions = new SandboxOptions { DefaultCallbackDuplicates = 0 };
        sandbox?.Invoke(sandboxOptions);
        var qpay = await QPaySandbox.StartAsync(sandboxOptions);

        var values = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["QPAY_BASE_URL"] = qpay.BaseUrl.ToString().TrimEnd('/'),
        };
        var orderQueue = "test-orders-" + Guid.NewGuid().ToString("N")[..12];
        var tokenKey = tokenCacheKey ?? "test:qpay:token:" + Guid.NewGuid().ToString("N");
        var collector = new FakeLogCollector();
        IHost Build() => TestApp.Build(values, s =>
        {
            s.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(collector)).SetMinimumLevel(LogLevel.Debug));
            s.PostConfigure<QPayOptions>(o => o.TokenCacheKey = tokenKey);
            s.PostConfigure<PaymentOptions>(o =>
            {
                o.OrderCreationQueue = orderQueue;
                o.RefundQueue = "test-refunds-" + orderQueue["test-orders-".Length..];
                o.PendingIndexPartition = "test-pending-" + orderQueue;
                o.LegacyPendingIndexPartition = "test-legacy-" + orderQueue;
                o.ReconcileQueue = "test-reconcile-" + orderQueue["test-orders-".Length..];
                o.OpenSessionsPartitionPrefix = "test-open-" + orderQueue + "~";
                o.UserSessionsPartitionPrefix = "test-user-" + orderQueue + "~";
                o.LedgerRunsPartitionPrefix = "test-ledger-" + orderQueue + "~";
            });
            s.PostConfigure<EbarimtOptions>(o => o.Queue = "test-ebarimt-" + orderQueue["test-orders-".Length..]);
            services?.Invoke(s);
        });
        var app = Build();
        await DemoCatalog.EnsureLoadedAsync(app.Services);
        return new PaymentsHarness(qpay, app, collector, orderQueue) { _buildInstance = Build };
    }

    /// <summary>A harness on a fake clock that recovers without waiting (<see cref="ImmediateRecovery"/>).</summary>
    public static async Task<(PaymentsHarness Harness, FakeTimeProvider Clock)> StartWithFakeClockAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var harness = await StartAsync(settings: settings, services: s =>
        {
            ImmediateRecovery(s);
            s.AddSingleton<TimeProvider>(clock);
        });
        return (harness, clock);
    }

    /// <summary>Recovery without waiting: every reconciler check due at once, no backoff, claims stuck at once.</summary>
    public static readonly Action<IServiceCollection> ImmediateRecovery = s => s.PostConfigure<PaymentOptions>(o =>
    {
        o.ReconcileSchedule = [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero];
        o.ReconcileFailureBackoff = TimeSpan.Zero;
        o.StuckClaimAfter = TimeSpan.Zero;
    });

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>
    /// Another instance of the app beside this one: its own services (clients, caches, limiters), the
    /// same settings, sandbox, tables, queues and Redis, as a second worker of one deployment has.
    /// </summary>
    public IServiceProvider StartInstance()
    {
        var instance = _buildInstance();
        _instances.Add(instance);
        return instance.Services;
    }

    public T Function<T>() where T : notnull => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>POST /payments/qpay/seed-session as <paramref name="userId"/>.</summary>
    public Task<Answer> SeedAsync(string userId, object body) =>
        InvokeAsync(Function<SeedSessionFunctions>().SeedSession, HttpRequests.Json("POST", body, bearer: TestJwt.For(userId)));

    /// <summary>POST /payments/qpay/cancel as <paramref name="userId"/>.</summary>
    public Task<Answer> CancelAsync(string userId, string sessionId) =>
        InvokeAsync(Function<CancelFunctions>().CancelSession, HttpRequests.Json("POST", new { sessionId }, bearer: TestJwt.For(userId)));

    /// <summary>Seeds a two-seller cart and answers the session and invoice ids.</summary>
    public async Task<(string SessionId, string InvoiceId)> SeedTwoSellerSessionAsync(string userId)
    {
        var answer = await SeedAsync(userId, Carts.TwoSellers);
        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        return (answer.Body.GetProperty("sessionId").GetString()!, answer.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!);
    }

    /// <summary>
    /// Pays the invoice in the sandbox without a callback; answers the payment id. With
    /// <paramref name="evenIfCanceled"/> the payment is taken on a cancelled invoice (it raced the cancel).
    /// </summary>
    public async Task<string> PayAsync(string invoiceId, decimal? amount = null, string type = "P2P", bool evenIfCanceled = false)
    {
        using var response = await _sandboxHttp.PostAsJsonAsync($"sandbox/invoices/{invoiceId}/pay", new { amount, type, callback = false, evenIfCanceled });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("paymentId").GetString()!;
    }

    /// <summary>The callback URL the app gave QPay for this invoice (with its token).</summary>
    public Uri CallbackUrl(string invoiceId) => new(Sandbox.State.FindInvoice(invoiceId)!.CallbackUrl!);

    /// <summary>QPay's callback: GET on the invoice's callback URL with qpay_payment_id appended.</summary>
    public Task<Answer> CallbackAsync(string invoiceId, string paymentId, bool acceptJson = true)
    {
        var url = CallbackUrl(invoiceId);
        var request = HttpRequests.Get(url.Query + $"&qpay_payment_id={paymentId}", acceptJson ? "application/json" : "*/*");
        return InvokeAsync(Function<WebhookFunctions>().QPayWebhook, request);
    }

    /// <summary>The public webhook with an arbitrary query and optional POST body.</summary>
    public Task<Answer> WebhookAsync(string query, object? postBody = null) =>
        InvokeAsync(
            Function<WebhookFunctions>().QPayWebhook,
            postBody is null ? HttpRequests.Get(query, "application/json") : HttpRequests.Json("POST", postBody, query: query));

    /// <summary>The ids of <paramref name="userId"/>'s sessions in Table Storage.</summary>
    public async Task<List<string>> SessionIdsOfAsync(string userId)
    {
        var table = await Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, default);
        var ids = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.GetString("UserId") == userId, select: ["PartitionKey"]))
        {
            ids.Add(entity.PartitionKey);
        }

        return ids;
    }

    /// <summary>A shop of its own (a fresh id) selling the given products, titled "&lt;shop&gt; title".</summary>
    public async Task<string> ShopAsync(params (string ProductId, decimal Price, bool Active)[] products)
    {
        var shop = "shop-" + Guid.NewGuid().ToString("N")[..10];
        var request = new ProductsRequest
        {
            Products = [.. products.Select(p => new ProductInput { ShopId = shop, ProductId = p.ProductId, SalePrice = p.Price, Active = p.Active, Title = shop + " title" })],
        };
        Assert.Null((await Get<CatalogAdmin>().UpsertProductsAsync(request, default)).Problem);
        return shop;
    }

    /// <summary>Writes coupons given as objects of the PUT body's shape.</summary>
    public async Task UpsertCouponsAsync(params object[] coupons)
    {
        var request = JsonSerializer.Deserialize(JsonSerializer.Serialize(new { coupons }, JsonSerializerOptions.Web), CatalogJsonContext.Default.CouponsRequest)!;
        Assert.Null((await Get<CatalogAdmin>().UpsertCouponsAsync(request, default)).Problem);
    }

    public int QPayCalls(string endpoint) => Sandbox.Stats.TryGetValue(endpoint, out var count) ? count : 0;

    public QueueClient OrderQueue() =>
        new(LocalStack.StorageConnectionString, OrderQueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>How many messages wait on this harness's order queue (none when it was never created).</summary>
    public async Task<int> QueuedOrderMessagesAsync()
    {
        var queue = OrderQueue();
        return await queue.ExistsAsync() ? (await queue.PeekMessagesAsync(32)).Value.Length : 0;
    }

    /// <summary>
    /// Feeds every message of this harness's order queue to the queue function, as the host would
    /// (deleting it on success, making it visible again and rethrowing on failure). Answers how many succeeded.
    /// </summary>
    public Task<int> ProcessOrderQueueAsync(int maxRounds = 1) =>
        DrainAsync(OrderQueue(), m => Function<OrderCreationFunction>().CreateOrders(m, CancellationToken.None), maxRounds);

    /// <summary>
    /// Feeds every visible message of <paramref name="queue"/> to <paramref name="handle"/>, round after round, as the
    /// host would: deleted on success; on failure made visible again at once (no delay, so the retry can follow) and rethrown.
    /// </summary>
    private static async Task<int> DrainAsync(QueueClient queue, Func<QueueMessage, Task> handle, int maxRounds)
    {
        await queue.CreateIfNotExistsAsync();
        var processed = 0;
        for (var round = 0; round < maxRounds; round++)
        {
            var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
            if (messages.Length == 0)
            {
                break;
            }

            foreach (var message in messages)
            {
                try
                {
                    await handle(message);
                }
                catch
                {
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                    throw;
                }

                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                processed++;
            }
        }

        return processed;
    }

    public QueueClient ReconcileQueue() =>
        new(LocalStack.StorageConnectionString, ReconcileQueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>
    /// One reconciler round as the host runs it: the timer hands out what is due, then every visit
    /// queued is taken through the queue function's own path. Answers the visits' outcomes.
    /// </summary>
    public async Task<ReconcileSummary> ReconcileAsync()
    {
        var dispatched = await Get<ReconcileDispatcher>().RunAsync(CancellationToken.None);
        var visits = await VisitQueuedAsync();
        return ReconcileSummary.Of(dispatched, visits);
    }

    /// <summary>Takes every reconcile message now on the queue, as the queue trigger would.</summary>
    public async Task<List<ReconcileVisit>> VisitQueuedAsync()
    {
        var visits = new List<ReconcileVisit>();
        var reconciler = Get<PaymentReconciler>();
        await DrainAsync(
            ReconcileQueue(),
            async m => visits.Add(await reconciler.VisitAsync(ReconcileMessage.Parse(m.Body.ToString())!, CancellationToken.None)),
            maxRounds: int.MaxValue);
        return visits;
    }

    /// <summary>The session's audit trail, oldest first, once every event recorded so far is written.</summary>
    public async Task<IReadOnlyList<RecordedPaymentEvent>> EventsAsync(string sessionId)
    {
        var trail = Get<PaymentEventTable>();
        await trail.FlushAsync(TimeSpan.FromSeconds(30));
        return await trail.ListAsync(sessionId, 1000, CancellationToken.None);
    }

    /// <summary>The reconciler's due rows for <paramref name="sessionId"/>, whatever their hour (this harness's index only).</summary>
    public async Task<int> DueRowsAsync(string sessionId)
    {
        var prefix = Get<Microsoft.Extensions.Options.IOptions<PaymentOptions>>().Value.PendingIndexPartition + "-due-";
        var table = await Get<StorageClients>().GetTableAsync(StorageNames.PaymentSessionsTable, CancellationToken.None);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {prefix + "~"} and SessionId eq {sessionId}");
        return table.Query<TableEntity>(filter).Count();
    }

    public QueueClient RefundQueue() =>
        new(LocalStack.StorageConnectionString, RefundQueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>Messages on this harness's refund queue, the delayed (invisible) ones included.</summary>
    public async Task<int> QueuedRefundMessagesAsync()
    {
        var queue = RefundQueue();
        return await queue.ExistsAsync() ? (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
    }

    /// <summary>Feeds the visible messages of this harness's refund queue to the queue function, as the host would; answers how many.</summary>
    public Task<int> ProcessRefundQueueAsync() =>
        DrainAsync(RefundQueue(), m => Function<RefundQueueFunction>().ProcessRefund(m, CancellationToken.None), maxRounds: 1);

    public QueueClient ReceiptQueue() =>
        new(LocalStack.StorageConnectionString, ReceiptQueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient ReceiptPoisonQueue() => PoisonQueueOf(ReceiptQueueName);

    /// <summary>The poison queue of one of this harness's queues, with the app's base64 encoding.</summary>
    public static QueueClient PoisonQueueOf(string queueName) =>
        new(LocalStack.StorageConnectionString, PoisonQueue.NameOf(queueName), new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>Feeds the visible messages of this harness's e-receipt queue to the queue function, round after round; answers how many.</summary>
    public Task<int> ProcessReceiptQueueAsync(int maxRounds = 1) =>
        DrainAsync(ReceiptQueue(), m => Function<ReceiptQueueFunction>().IssueReceipt(m, CancellationToken.None), maxRounds);

    /// <summary>POST the internal refund route with an Idempotency-Key (a new one unless given).</summary>
    public Task<Answer> RefundAsync(string sessionId, string? shopId = null, string reason = "CUSTOMER_REQUEST", string? key = null, string? note = null) =>
        InvokeAsync(
            Function<RefundFunctions>().RefundSession,
            HttpRequests.Json("POST", new { sessionId, shopId, reason, note }, headers: new Dictionary<string, string>
            {
                ["x-internal-request"] = "true",
                ["Idempotency-Key"] = key ?? Guid.NewGuid().ToString("N"),
            }));

    /// <summary>POST the internal settle route for a manual refund.</summary>
    public Task<Answer> SettleAsync(string refundId, string reference) =>
        InvokeAsync(
            (request, token) => Function<RefundFunctions>().SettleRefund(request, refundId, token),
            HttpRequests.Json("POST", new { reference }, headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));

    /// <summary>GET the internal list of manual refunds still to make.</summary>
    public Task<Answer> PendingRefundsAsync(string query = "status=pending") =>
        InvokeAsync(Function<RefundFunctions>().ListRefunds, HttpRequests.Get(query, headers: new Dictionary<string, string> { ["x-internal-request"] = "true" }));

    public static QueueMessage Message(string body, long dequeueCount = 1) =>
        QueuesModelFactory.QueueMessage("m-" + Guid.NewGuid().ToString("N"), "pop", new BinaryData(Encoding.UTF8.GetBytes(body)), dequeueCount);

    public static async Task<Answer> InvokeAsync(Func<HttpRequest, CancellationToken, Task<IActionResult>> function, HttpRequest request)
    {
        var result = await function(request, CancellationToken.None);
        return Answer.From(result, request.HttpContext.Response);
    }

    public async ValueTask DisposeAsync()
    {
        _sandboxHttp.Dispose();
        App.Dispose();
        _instances.ForEach(i => i.Dispose());
        await Sandbox.DisposeAsync();
        await OrderQueue().DeleteIfExistsAsync();
        await RefundQueue().DeleteIfExistsAsync();
        await ReceiptQueue().DeleteIfExistsAsync();
        await ReconcileQueue().DeleteIfExistsAsync();
        foreach (var queue in new[] { OrderQueueName, RefundQueueName, ReceiptQueueName, ReconcileQueueName })
        {
            await PoisonQueueOf(queue).DeleteIfExistsAsync();
        }
    }
}

/// <summary>What one reconciler round did: the timer's hand-out and its visits' outcomes.</summary>
/// <param name="Checked">Visits that asked QPay or carried a refund on (recoveries included).</param>
internal sealed record ReconcileSummary(DispatchSummary Dispatched, int Checked, int Recovered, int Requeued, int Expired, int Removed, int Failed, int Skipped)
{
    public static ReconcileSummary Of(DispatchSummary dispatched, IReadOnlyList<ReconcileVisit> visits)
    {
        return new(
            dispatched,
            Count(ReconcileVisit.Checked) + Count(ReconcileVisit.Recovered),
            Count(ReconcileVisit.Recovered),
            Count(ReconcileVisit.Requeued),
            Count(ReconcileVisit.Expired),
            Count(ReconcileVisit.Removed),
            Count(ReconcileVisit.Failed),
            Count(ReconcileVisit.Skipped));

        int Count(ReconcileVisit kind) => visits.Count(v => v == kind);
    }
}

/// <summary>An HTTP function's answer: status, JSON body (as the worker would write it) or text, headers.</summary>
internal sealed record Answer(int Status, JsonElement Body, string? Text, IHeaderDictionary Headers)
{
    public string? Reason => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("reason", out var r) ? r.GetString() : null;

    public string? Error => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("error", out var e) ? e.GetString() : null;

    public static Answer From(IActionResult result, HttpResponse response) => result switch
    {
        ObjectResult o => new(o.StatusCode ?? 200, JsonSerializer.SerializeToElement(o.Value, o.Value?.GetType() ?? typeof(object), JsonSerializerOptions.Web), null, response.Headers),
        ContentResult { ContentType: { } type } c when type.StartsWith("application/json", StringComparison.Ordinal) =>
            new(c.StatusCode ?? 200, JsonDocument.Parse(c.Content ?? "null").RootElement.Clone(), c.Content, response.Headers),
        ContentResult c => new(c.StatusCode ?? 200, default, c.Content, response.Headers),
        StatusCodeResult s => new(s.StatusCode, default, null, response.Headers),
        _ => throw new InvalidOperationException($"Unexpected result {result.GetType().Name}"),
    };
}

/// <summary>Requests for direct function invocation.</summary>
internal static class HttpRequests
{
    public static HttpRequest Json(string method, object body, string? bearer = null, string? query = null, IDictionary<string, string>? headers = null) =>
        Raw(method, body as string ?? JsonSerializer.Serialize(body, JsonSerializerOptions.Web), bearer, query, headers);

    public static HttpRequest Raw(string method, string? body, string? bearer = null, string? query = null, IDictionary<string, string>? headers = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        if (bearer is not null)
        {
            context.Request.Headers.Authorization = $"Bearer {bearer}";
        }

        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query.StartsWith('?') ? query : "?" + query);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }

    public static HttpRequest Get(string query, string accept = "application/json", string? bearer = null, IDictionary<string, string>? headers = null)
    {
        var request = Raw("GET", null, bearer, query, headers);
        request.Headers.Accept = accept;
        return request;
    }
}

/// <summary>Carts used across tests (USD; rate 3400 MNT/USD locally), priced as the demo catalogue prices them.</summary>
internal static class Carts
{
    private static readonly object[] TwoSellerItems =
    [
        new { productId = "p-mug", quantity = 2, sale_price = 10.25m, shopId = "shop-a" },
        new { productId = "p-tea", quantity = 1, sale_price = 5m, shopId = "shop-b" },
    ];

    /// <summary>Two sellers, a coupon: 2×10.25 + 1×5 − 2 = 23.50 USD = 79,900 MNT.</summary>
    public static readonly object TwoSellers = new
    {
        cart = TwoSellerItems,
        sellers = new[] { "shop-a", "shop-b" },
        totalAmount = 23.5m,
        shippingAddressId = "addr-1",
        coupon = new { code = "SAVE2", discountAmount = 2m },
    };

    /// <summary>The same cart without its coupon: 2×10.25 + 1×5 = 25.50 USD.</summary>
    public static readonly object TwoSellersWithoutCoupon = new
    {
        cart = TwoSellerItems,
        sellers = new[] { "shop-a", "shop-b" },
        totalAmount = 25.5m,
        shippingAddressId = "addr-1",
    };

    public const decimal TwoSellersMnt = 79_900m;
}
