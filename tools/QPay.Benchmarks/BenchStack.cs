using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using QPay.FunctionsHost;
using QPay.Sandbox;

namespace QPay.Benchmarks;

/// <summary>A seeded session: its id, invoice, owner, and (once paid) the callback URL to call.</summary>
internal sealed record Seeded(string SessionId, string InvoiceId, string UserId)
{
    public string? CallbackUrl { get; set; }

    /// <summary>When the worker created it: the answer's <c>expiresAt</c> less its <c>ttlSec</c> (null if either is missing).</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>How one worker started: process start → host ready → first 200 on /health.</summary>
internal sealed record WorkerStart(int ProcessId, double ToHostReadyMs, double ToFirstRequestMs, double StartAsyncCallMs);

/// <summary>
/// The local stack of one run: an in-process QPay sandbox on a free port (no duplicate callbacks),
/// and the compiled QPay.Functions worker served by the repository's Functions host, with the
/// committed local settings pointed at this run's ports. Azurite and Redis are the shared local ones.
/// </summary>
internal sealed class BenchStack : IAsyncDisposable
{
    public const int StatusRateLimit = 100_000;
    public const int SeedRateLimit = 10_000;
    /// <summary>
    /// MAX_OPEN_SESSIONS_PER_USER (the app's default is 5; over it a user's oldest open sessions expire):
    /// the latency runs keep ~100 open sessions per user, so the cap is raised for every scenario.
    /// </summary>
    public const int MaxOpenSessionsPerUser = 1000;
    /// <summary>The coupon of <see cref="Cart"/>, as the demo catalogue defines it (SAVE2: 2 USD off).</summary>
    public const string CouponCode = "SAVE2";

    /// <summary>The demo catalogue's shops (scripts/demo-catalog/products.json), which price <see cref="Cart"/>.</summary>
    private static readonly string[] Sellers = ["shop-a", "shop-b"];

    private readonly List<FunctionsHost.FunctionsHost> _hosts = [];
    private readonly Dictionary<string, string?> _settings;

    private BenchStack(QPaySandbox sandbox, Dictionary<string, string?> settings)
    {
        Sandbox = sandbox;
        _settings = settings;
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseCookies = false };
        Http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        SandboxControl = new HttpClient { BaseAddress = sandbox.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    /// <summary>
    /// The worker to run: the build output of the same configuration, or, when
    /// <see cref="WorkerDirectoryVariable"/> is set (scripts/benchmark.sh --published), another
    /// folder with the same files, such as the ReadyToRun publish output that Azure runs.
    /// </summary>
    public static string FunctionsAppOutput { get; } =
        Environment.GetEnvironmentVariable(WorkerDirectoryVariable) is { Length: > 0 } directory ? Path.GetFullPath(directory) : Metadata("FunctionsAppOutputDir");

    public const string WorkerDirectoryVariable = "QPAY_BENCH_WORKER_DIR";

    public QPaySandbox Sandbox { get; }

    /// <summary>One client for every app instance (absolute URLs), pooled like a real caller's.</summary>
    public HttpClient Http { get; }

    public HttpClient SandboxControl { get; }

    public string JwtSecret => _settings["AUTH_JWT_SECRET"]!;

    public IReadOnlyDictionary<string, string?> Settings => _settings;

    /// <summary>Starts the sandbox and prepares the worker settings; <paramref name="overrides"/> replace sample values (e.g. PAYMENT_SESSION_EXPIRY_SEC).</summary>
    public static async Task<BenchStack> StartAsync(IReadOnlyDictionary<string, string>? overrides = null)
    {
        foreach (var (name, port) in new[] { ("Azurite blob", 10000), ("Azurite queue", 10001), ("Azurite table", 10002), ("Redis", 6379) })
        {
            if (!IsListening(port))
            {
                throw new InvalidOperationException($"{name} is not listening on 127.0.0.1:{port}: run scripts/benchmark.sh, which starts it.");
            }
        }

        var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { DefaultCallbackDuplicates = 0 });
        var settings = SampleSettings();
        settings["QPAY_BASE_URL"] = sandbox.BaseUrl.ToString().TrimEnd('/');
        settings["STATUS_RATE_LIMIT_PER_MINUTE"] = StatusRateLimit.ToString(CultureInfo.InvariantCulture);
        // The benchmark seeds hundreds of sessions for a handful of users within a minute.
        settings["SEED_SESSION_RATE_LIMIT_PER_MINUTE"] = SeedRateLimit.ToString(CultureInfo.InvariantCulture);
        settings["MAX_OPEN_SESSIONS_PER_USER"] = MaxOpenSessionsPerUser.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }

        return new BenchStack(sandbox, settings);
    }

    /// <summary>
    /// Starts one more worker through the Functions host on a free port, and times it: from the worker
    /// process's start time to the host being ready, and to the first 200 on /health.
    /// <paramref name="orderTrigger"/> false starts it without its queue triggers; <paramref name="timers"/>
    /// fires its timer triggers on their schedules (off by default: the latency runs must not meet a reconciler run).
    /// </summary>
    public async Task<(FunctionsHost.FunctionsHost Host, WorkerStart Start)> StartInstanceAsync(bool orderTrigger = true, bool timers = false)
    {
        var called = Stopwatch.GetTimestamp();
        var host = await FunctionsHost.FunctionsHost.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = FunctionsAppOutput,
            HttpPort = 0,
            Settings = _settings,
            ConfigureSettings = (self, values) => values["QPAY_CALLBACK_PUBLIC_BASE_URL"] = self.ToString().TrimEnd('/'),
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500),
            EnableTimerSchedules = timers,
            EnableQueueTriggers = orderTrigger,
        });
        var ready = DateTime.UtcNow;
        _hosts.Add(host);
        var processStart = Process.GetProcessById(host.WorkerProcessId).StartTime.ToUniversalTime();
        // The first 200: a 503 (e.g. a probe timing out while the new instance drains a queue backlog) is asked again.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var health = await Http.GetAsync(new Uri(host.BaseAddress, "health"));
            if (health.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"/health answered {(int)health.StatusCode}: {await health.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(50);
        }

        var served = DateTime.UtcNow;
        var callMs = Stopwatch.GetElapsedTime(called).TotalMilliseconds;

        return (host, new WorkerStart(host.WorkerProcessId, (ready - processStart).TotalMilliseconds, (served - processStart).TotalMilliseconds, callMs));
    }

    /// <summary>Stops an instance started by <see cref="StartInstanceAsync"/> before the stack is disposed.</summary>
    public async Task StopInstanceAsync(FunctionsHost.FunctionsHost host)
    {
        _hosts.Remove(host);
        await host.DisposeAsync();
    }

    /// <summary>A user JWT as the local settings accept it.</summary>
    public string Jwt(string userId)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", userId)]),
            Issuer = _settings["AUTH_JWT_ISSUER"],
            Audience = _settings["AUTH_JWT_AUDIENCE"],
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(JwtSecret)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The (shop, product) pairs of <see cref="Cart"/>: what seed-session looks up in the catalogue.</summary>
    public static IReadOnlyList<(string ShopId, string ProductId)> CartProducts { get; } = [(Sellers[0], "p-mug"), (Sellers[1], "p-tea")];

    /// <summary>The two-seller cart the tests use (23.50 USD = 79,900 MNT), priced as the demo catalogue prices it.</summary>
    public static object Cart => new
    {
        cart = new object[]
        {
            new { productId = CartProducts[0].ProductId, quantity = 2, sale_price = 10.25m, shopId = CartProducts[0].ShopId },
            new { productId = CartProducts[1].ProductId, quantity = 1, sale_price = 5m, shopId = CartProducts[1].ShopId },
        },
        sellers = Sellers,
        totalAmount = 23.5m,
        shippingAddressId = "addr-1",
        coupon = new { code = CouponCode, discountAmount = 2m },
    };

    /// <summary>
    /// Loads the demo catalogue (scripts/demo-catalog/products.json and coupons.json, as scripts/dev.sh
    /// does) through the instance's internal catalogue routes, so that seed-session can price <see cref="Cart"/>.
    /// The benchmark's hosts enforce no function key; the internal header is required.
    /// </summary>
    public async Task LoadDemoCatalogAsync(Uri app)
    {
        foreach (var kind in new[] { "products", "coupons" })
        {
            var file = Path.Combine(RepositoryRoot, "scripts", "demo-catalog", kind + ".json");
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(app, $"order/api/internal/catalog/{kind}"))
            {
                Content = new StringContent(await File.ReadAllTextAsync(file), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-internal-request", "true");
            using var response = await Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"PUT catalog/{kind} ({file}) answered {(int)response.StatusCode}: {body}");
            }
        }
    }

    /// <summary>POST /payments/qpay/seed-session as the user, the session and invoice ids it answers.</summary>
    public async Task<Seeded> SeedAsync(Uri app, string userId, string jwt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(app, "payments/qpay/seed-session"))
        {
            Content = JsonContent.Create(Cart, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new("Bearer", jwt);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"seed-session answered {(int)response.StatusCode}: {body}");
        }

        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        DateTimeOffset? createdAt = root.TryGetProperty("expiresAt", out var expires) && expires.TryGetDateTimeOffset(out var expiresAt)
            && root.TryGetProperty("ttlSec", out var ttl) && ttl.TryGetInt32(out var ttlSec)
                ? expiresAt.AddSeconds(-ttlSec)
                : null;
        return new Seeded(root.GetProperty("sessionId").GetString()!, root.GetProperty("invoice").GetProperty("invoiceId").GetString()!, userId)
        {
            CreatedAt = createdAt,
        };
    }

    /// <summary>GET /payments/qpay/status as the owner: the session's status (e.g. PENDING, PROCESSED).</summary>
    public async Task<string> StatusAsync(Uri app, string sessionId, string jwt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app, $"payments/qpay/status?sessionId={Uri.EscapeDataString(sessionId)}"));
        request.Headers.Authorization = new("Bearer", jwt);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"status answered {(int)response.StatusCode}: {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("status").GetString()!;
    }

    /// <summary>POST /payments/qpay/cancel as the owner: 200 cancelled, 409 already paid or closed, 502 QPay refused.</summary>
    public async Task<HttpStatusCode> CancelAsync(Uri app, string sessionId, string jwt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(app, "payments/qpay/cancel"))
        {
            Content = JsonContent.Create(new { sessionId }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new("Bearer", jwt);
        using var response = await Http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    /// <summary>
    /// Pays the invoice in the sandbox without a callback, and keeps the callback URL QPay would call:
    /// the one the sandbox stored, plus <c>qpay_payment_id</c>.
    /// </summary>
    public async Task PayAsync(Seeded seeded)
    {
        using var paid = await SandboxControl.PostAsJsonAsync($"sandbox/invoices/{seeded.InvoiceId}/pay", new { callback = false });
        paid.EnsureSuccessStatusCode();
        var paymentId = (await paid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paymentId").GetString()!;
        seeded.CallbackUrl = await CallbackUrlAsync(seeded.InvoiceId) + "&qpay_payment_id=" + Uri.EscapeDataString(paymentId);
    }

    /// <summary>The callback URL the sandbox stored for the invoice (GET /sandbox/invoices/{id}).</summary>
    public async Task<string> CallbackUrlAsync(string invoiceId)
    {
        var invoice = await SandboxControl.GetFromJsonAsync<JsonElement>($"sandbox/invoices/{invoiceId}");
        return invoice.GetProperty("callbackUrl").GetString()!;
    }

    /// <summary>QPay's callback as a client that accepts JSON: GET on the callback URL; answers the webhook's reason.</summary>
    public async Task<string> CallbackAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"webhook answered {(int)response.StatusCode}: {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("reason").GetString() ?? "PROCESSED";
    }

    /// <summary>The same callback URL on another instance (same path and query, that instance's port).</summary>
    public static string OnInstance(string callbackUrl, Uri instance) =>
        new UriBuilder(callbackUrl) { Host = instance.Host, Port = instance.Port }.Uri.AbsoluteUri;

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        Http.Dispose();
        SandboxControl.Dispose();
        await Sandbox.DisposeAsync();
    }

    private static bool IsListening(int port)
    {
        using var client = new TcpClient();
        try
        {
            return client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(2)) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    /// <summary>The Values of the committed local.settings.sample.json: the run uses what a new developer copies.</summary>
    private static Dictionary<string, string?> SampleSettings()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "local.settings.sample.json")));
        return document.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name, p => (string?)p.Value.GetString(), StringComparer.OrdinalIgnoreCase);
    }

    private static string Metadata(string key) =>
        typeof(BenchStack).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
