using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using RedisRateLimiting;
using StackExchange.Redis;

namespace QPay.Benchmarks;

/// <summary>
/// The floors: the I/O each endpoint cannot avoid, issued directly from this process with the SDKs
/// the app uses (StackExchange.Redis, Azure.Data.Tables, Azure.Storage.Queues, RedisRateLimiting,
/// HttpClient to the sandbox with a valid token), one call after another as the pipeline issues them
/// (side by side where it does: seed-session's pricing reads), with payloads copied from rows and
/// keys the app itself wrote. Writes go to benchmark-only tables,
/// a benchmark-only queue and short-lived Redis keys, all removed at the end of the run.
/// </summary>
internal sealed class Floors : IAsyncDisposable
{
    private const string StorageConnectionString = "UseDevelopmentStorage=true";
    private const string SessionKeyPrefix = "payment-session:";
    private const string RateLimitKeyPrefix = "qpay:status-rate:bench-floor:";
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private string FloorUser => $"bench-floor-{_runId}";
    private readonly ConnectionMultiplexer _redis;
    private readonly HttpClient _qpay;
    private readonly TableClient _processedInvoices;
    private readonly TableClient _products;
    private readonly TableClient _coupons;
    private readonly TableClient _sessionCopies;
    private readonly TableClient _claimCopies;
    private readonly QueueClient _queue;
    private readonly string _invoiceCode;
    private TableEntity? _sessionTemplate;
    private TableEntity? _claimTemplate;
    private string? _sessionValue;

    private Floors(ConnectionMultiplexer redis, HttpClient qpay, string invoiceCode)
    {
        _redis = redis;
        _qpay = qpay;
        _invoiceCode = invoiceCode;
        var tables = new TableServiceClient(StorageConnectionString);
        _processedInvoices = tables.GetTableClient("ProcessedInvoices");
        _products = tables.GetTableClient("Products");
        _coupons = tables.GetTableClient("Coupons");
        _sessionCopies = tables.GetTableClient($"BenchFloorSessions{_runId}");
        _claimCopies = tables.GetTableClient($"BenchFloorClaims{_runId}");
        _queue = new QueueClient(StorageConnectionString, $"qpay-bench-floor-{_runId}", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
    }

    public IDatabase Redis => _redis.GetDatabase();

    /// <summary>Connects Redis, signs in to the sandbox (one token call) and creates the benchmark's own tables and queue.</summary>
    public static async Task<Floors> CreateAsync(Uri sandbox, IReadOnlyDictionary<string, string?> settings)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:6379,abortConnect=false");
        var qpay = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = new Uri(sandbox, "v2/") };
        using (var login = new HttpRequestMessage(HttpMethod.Post, "auth/token"))
        {
            login.Headers.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings["QPAY_CLIENT_ID"]}:{settings["QPAY_CLIENT_SECRET"]}")));
            using var answer = await qpay.SendAsync(login);
            answer.EnsureSuccessStatusCode();
            var token = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
            qpay.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var floors = new Floors(redis, qpay, settings["QPAY_INVOICE_CODE"]!);
        await floors._sessionCopies.CreateIfNotExistsAsync();
        await floors._claimCopies.CreateIfNotExistsAsync();
        await floors._processedInvoices.CreateIfNotExistsAsync();
        await floors._queue.CreateIfNotExistsAsync();
        return floors;
    }

    /// <summary>Takes the payloads to copy from what the app wrote: a session row, its Redis value, and a claim row.</summary>
    public async Task UseTemplatesAsync(string sessionId, string processedInvoiceId)
    {
        var tables = new TableServiceClient(StorageConnectionString);
        _sessionTemplate = (await tables.GetTableClient("PaymentSessions").GetEntityAsync<TableEntity>(sessionId, "session")).Value;
        // A session's claim is a row of its own partition (docs/design.md §5).
        _claimTemplate = (await tables.GetTableClient("PaymentSessions").GetEntityAsync<TableEntity>(sessionId, "claim~" + processedInvoiceId)).Value;
        _sessionValue = (await Redis.StringGetAsync(SessionKeyPrefix + sessionId)).ToString();
        if (string.IsNullOrEmpty(_sessionValue))
        {
            throw new InvalidOperationException($"Redis has no {SessionKeyPrefix}{sessionId}.");
        }
    }

    /// <summary>
    /// The verified webhook's floor: Redis GET of the session, Table point read of its (missing) claim,
    /// QPay payment/check of the paid invoice, Table insert of the claim, queue put of the order message.
    /// </summary>
    public async Task WebhookAsync(Seeded paid)
    {
        var session = await Redis.StringGetAsync(SessionKeyPrefix + paid.SessionId);
        if (session.IsNullOrEmpty)
        {
            throw new InvalidOperationException("the session is not in Redis");
        }

        var claimId = NewId();
        var claim = await _processedInvoices.GetEntityIfExistsAsync<TableEntity>(claimId, "claim");
        if (claim.HasValue)
        {
            throw new InvalidOperationException("a fresh claim id exists");
        }

        await CheckAsync(paid.InvoiceId);
        await _claimCopies.AddEntityAsync(new TableEntity(_claimTemplate!) { PartitionKey = claimId, RowKey = "claim" });
        await _queue.SendMessageAsync(JsonSerializer.Serialize(new { sessionId = paid.SessionId, invoiceId = paid.InvoiceId }));
    }

    /// <summary>
    /// The seed's floor: the pricing reads side by side (one Products query per shop of the cart, one
    /// Coupons query for the coupon's rule and counts, as CheckoutPricer issues them), then Table insert
    /// of the session, QPay invoice creation, Redis SET of the session.
    /// </summary>
    public async Task SeedAsync(string callbackBase)
    {
        await PriceAsync();
        var sessionId = NewId();
        await _sessionCopies.AddEntityAsync(new TableEntity(_sessionTemplate!) { PartitionKey = sessionId, RowKey = "session" });
        using var created = await _qpay.PostAsJsonAsync("invoice", new Dictionary<string, object>
        {
            ["invoice_code"] = _invoiceCode,
            ["sender_invoice_no"] = sessionId,
            ["invoice_receiver_code"] = "terminal",
            ["invoice_description"] = $"Marketplace order {sessionId}",
            ["amount"] = 79_900m,
            ["callback_url"] = $"{callbackBase}/payments/qpay/webhook?sessionId={sessionId}&token={new string('0', 64)}",
        });
        created.EnsureSuccessStatusCode();
        using var invoice = JsonDocument.Parse(await created.Content.ReadAsStreamAsync());
        _ = invoice.RootElement.GetProperty("invoice_id").GetString();
        await Redis.StringSetAsync($"qpay:bench-floor:{_runId}:{sessionId}", _sessionValue, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// The catalogue reads that pricing <see cref="BenchStack.Cart"/> cannot avoid, with the app's own
    /// filters (ProductTable, CouponTable), all at once: one query per distinct shop for its products
    /// by row key, and one for the coupon's rule, total count (its eight shards, as the app reads it) and this user's count.
    /// </summary>
    private async Task PriceAsync()
    {
        var shops = BenchStack.CartProducts.GroupBy(p => p.ShopId, StringComparer.Ordinal)
            .Select(shop => QueryAsync(_products, Filter(shop.Key, shop.Select(p => p.ProductId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))))
            .ToList();
        var coupon = QueryAsync(_coupons, Filter(BenchStack.CouponCode.ToUpperInvariant(), ["rule", $"user:{FloorUser}", "redemptions", .. Enumerable.Range(1, 7).Select(i => $"redemptions~{i}")]));
        var products = await Task.WhenAll(shops);
        var rows = await coupon;
        if (products.Sum(p => p.Count) != BenchStack.CartProducts.Count || !rows.Any(r => r.RowKey == "rule"))
        {
            throw new InvalidOperationException("the catalogue lacks the cart's products or coupon: the demo catalogue is not loaded");
        }
    }

    /// <summary>The app's catalogue filter: one partition, row keys by name.</summary>
    private static string Filter(string partition, IEnumerable<string> rowKeys) =>
        $"{TableClient.CreateQueryFilter($"PartitionKey eq {partition}")} and ({string.Join(" or ", rowKeys.Select(key => TableClient.CreateQueryFilter($"RowKey eq {key}")))})";

    private static async Task<List<TableEntity>> QueryAsync(TableClient table, string filter)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The status poll's floor: the per-user rate-limit round trip (RedisRateLimiting's fixed window) and a Redis GET of the session.</summary>
    public async Task StatusAsync(Seeded session)
    {
        using var limiter = new RedisFixedWindowRateLimiter<string>(RateLimitKeyPrefix + session.UserId, new RedisFixedWindowRateLimiterOptions
        {
            PermitLimit = BenchStack.StatusRateLimit,
            Window = TimeSpan.FromMinutes(1),
            ConnectionMultiplexerFactory = () => _redis,
        });
        using var lease = await limiter.AcquireAsync(1);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("the floor's own rate limit was hit");
        }

        var value = await Redis.StringGetAsync(SessionKeyPrefix + session.SessionId);
        if (value.IsNullOrEmpty)
        {
            throw new InvalidOperationException("the session is not in Redis");
        }
    }

    /// <summary>POST /v2/payment/check for an invoice, first page of 100, as the app asks it.</summary>
    public async Task CheckAsync(string invoiceId)
    {
        using var checkedPayments = await _qpay.PostAsJsonAsync("payment/check", new
        {
            object_type = "INVOICE",
            object_id = invoiceId,
            offset = new { page_number = 1, page_limit = 100 },
        });
        checkedPayments.EnsureSuccessStatusCode();
        using var rows = JsonDocument.Parse(await checkedPayments.Content.ReadAsStreamAsync());
        _ = rows.RootElement.GetProperty("rows").GetArrayLength();
    }

    public async ValueTask DisposeAsync()
    {
        await _sessionCopies.DeleteAsync();
        await _claimCopies.DeleteAsync();
        await _queue.DeleteIfExistsAsync();
        var server = _redis.GetServers().FirstOrDefault();
        if (server is not null)
        {
            await foreach (var key in server.KeysAsync(pattern: $"qpay:bench-floor:{_runId}:*"))
            {
                await Redis.KeyDeleteAsync(key);
            }

            await foreach (var key in server.KeysAsync(pattern: $"*{RateLimitKeyPrefix}*"))
            {
                await Redis.KeyDeleteAsync(key);
            }
        }

        _qpay.Dispose();
        await _redis.DisposeAsync();
    }

    private static string NewId() => Guid.NewGuid().ToString("N");
}
