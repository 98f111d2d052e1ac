using System.Net;
using System.Text.Json;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Storage;
using QPay.Functions.Tests.FunctionsHost;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;
using StackExchange.Redis;

namespace QPay.Functions.Tests.EndToEnd;

/// <summary>
/// The seed's three scenarios and the poison path, through the real compiled worker: HTTP on the
/// host's port, QPay's callback as an HTTP GET from the sandbox, the order queue fed by the host.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class EndToEndTests(EndToEndStack stack) : IClassFixture<EndToEndStack>
{
    [Fact]
    public async Task Payment_verification_from_seed_session_to_processed_orders()
    {
        var user = User("e2e-pay");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        var pending = await stack.WaitForStatusAsync(user, sessionId, "PENDING");

        var payment = await stack.PayAsync(invoiceId);
        var processed = await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");

        Assert.Equal(Carts.TwoSellersMnt, pending.GetProperty("expectedAmount").GetDecimal());
        Assert.Equal(200, payment.GetProperty("callbackStatus").GetInt32());
        Assert.Equal("SUCCESS", payment.GetProperty("callbackBody").GetString());
        var deliveries = Assert.Single(stack.Sandbox.State.FindInvoice(invoiceId)!.Payments).Callbacks;
        Assert.Equal(2, deliveries.Count); // the callback and the sandbox's duplicate, both acknowledged
        Assert.All(deliveries, d => Assert.True(d.Acknowledged));
        Assert.Equal(Carts.TwoSellersMnt, processed.GetProperty("paidAmount").GetDecimal());
        var orderIds = processed.GetProperty("orderIds").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(OrderIds.For(invoiceId, ["shop-a", "shop-b"]), orderIds);
        var orders = await OrdersOf(user);
        Assert.Equal(orderIds.Order(), orders.Order());
        Assert.Contains(stack.Host.Invocations, i => i.FunctionName == "CreateOrders" && i.Succeeded);
    }

    [Fact]
    public async Task Database_fallback_processes_a_callback_after_the_redis_session_is_gone()
    {
        var user = User("e2e-fallback");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        var redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:6379");
        Assert.True(await redis.GetDatabase().KeyDeleteAsync($"payment-session:{sessionId}"));

        var payment = await stack.PayAsync(invoiceId);
        await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");

        Assert.Equal("SUCCESS", payment.GetProperty("callbackBody").GetString());
        Assert.Contains(stack.Host.Logs, l => l.Message.Contains($"Session loaded from database: {sessionId}", StringComparison.Ordinal));
        Assert.Equal(2, (await OrdersOf(user)).Count);
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task Status_polling_answers_each_status_and_is_rate_limited_per_user()
    {
        var user = User("e2e-status");
        var (sessionId, _) = await stack.SeedAsync(user);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i <= EndToEndStack.StatusRateLimit; i++)
        {
            answers.Add(await stack.StatusAsync(user, sessionId));
        }

        Assert.All(answers.Take(EndToEndStack.StatusRateLimit), a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var limited = answers[^1];
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("RATE_LIMITED", JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        var otherUser = await stack.StatusAsync(User("e2e-status-other"), sessionId);
        Assert.Equal(HttpStatusCode.NotFound, otherUser.StatusCode);
    }

    [Fact]
    public async Task Order_creation_failing_every_time_lands_in_the_poison_queue_after_max_dequeue_count()
    {
        var missing = "missing-" + Guid.NewGuid().ToString("N");
        var body = $$"""{"sessionId":"{{missing}}","invoiceId":"{{missing}}"}""";
        await EndToEndStack.OrderQueue.CreateIfNotExistsAsync();

        await EndToEndStack.OrderQueue.SendMessageAsync(body);
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var last = await stack.Host.WaitForInvocationAsync(
            i => i.FunctionName == "CreateOrders" && i.MovedToPoisonQueue && i.DequeueCount == OrderCreationService.MaxDequeueCount, patience.Token);

        Assert.False(last.Succeeded);
        var attempts = stack.Host.Invocations.Where(i => i.FunctionName == "CreateOrders" && i.QueueMessageId == last.QueueMessageId).ToList();
        Assert.Equal([1L, 2, 3, 4, 5], attempts.Select(a => a.DequeueCount ?? 0));
        Assert.True(await TakePoisonMessageAsync(body), "the message is not in the poison queue");
        Assert.Contains(stack.Host.Logs, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Message.Contains(missing) && l.Message.Contains("poison queue"));
    }

    [Fact]
    public async Task Internal_routes_need_the_function_key_and_the_internal_header()
    {
        var route = "order/api/internal/payments/qpay/status?sessionId=abc&userId=u";

        using var noKey = await stack.App.SendAsync(Request(HttpMethod.Get, route, key: null, internalHeader: true));
        using var noHeader = await stack.App.SendAsync(Request(HttpMethod.Get, route, key: EndToEndStack.FunctionKey, internalHeader: false));
        using var both = await stack.App.SendAsync(Request(HttpMethod.Get, route, key: EndToEndStack.FunctionKey, internalHeader: true));

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noHeader.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, both.StatusCode); // authorised; no such session
    }

    [Fact]
    public async Task Worker_logs_of_a_whole_flow_hold_no_jwt_webhook_token_or_qr_payload()
    {
        var user = User("e2e-hygiene");
        var (sessionId, invoiceId) = await stack.SeedAsync(user);
        await stack.PayAsync(invoiceId);
        await stack.WaitForStatusAsync(user, sessionId, "PROCESSED");
        var invoice = stack.Sandbox.State.FindInvoice(invoiceId)!;
        var token = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(invoice.CallbackUrl!).Query)["token"].ToString();

        var lines = stack.Host.Logs.Where(l => l.Source != QPay.FunctionsHost.HostLogSource.Host).Select(l => $"{l.Category} {l.Message}").ToList();

        Assert.Contains(lines, l => l.Contains(sessionId));
        Assert.DoesNotContain(lines, l => l.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("token=", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Contains("eyJ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(invoice.QrText, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_answers_200_through_the_host()
    {
        using var response = await Eventually.HealthyAsync(stack.App);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("test-qpay-payment-verification.sh")]
    [InlineData("test-qpay-db-fallback.sh")]
    [InlineData("test-qpay-status-endpoint.sh")]
    public async Task Seed_test_script_passes_against_the_running_stack(string script)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", [TestPaths.InRepository("scripts", script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["APP_URL"] = stack.Host.BaseAddress.ToString().TrimEnd('/');
        start.Environment["SANDBOX_URL"] = stack.Sandbox.BaseUrl.ToString().TrimEnd('/');
        start.Environment["QPAY_SETTINGS_FILE"] = TestPaths.InRepository("local.settings.sample.json");
        start.Environment["STATUS_RATE_LIMIT_PER_MINUTE"] = EndToEndStack.StatusRateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"{script} exited {process.ExitCode}:\n{await output}\n{await errors}");
        Assert.Contains("all checks passed", await output);
    }

    private static HttpRequestMessage Request(HttpMethod method, string route, string? key, bool internalHeader)
    {
        var request = new HttpRequestMessage(method, route);
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        if (internalHeader)
        {
            request.Headers.Add("x-internal-request", "true");
        }

        return request;
    }

    private static string User(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private static async Task<List<string>> OrdersOf(string userId)
    {
        var table = new Azure.Data.Tables.TableClient(LocalStack.StorageConnectionString, StorageNames.OrdersTable);
        var ids = new List<string>();
        await foreach (var order in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == userId))
        {
            ids.Add(order.RowKey);
        }

        return ids;
    }

    /// <summary>
    /// Finds the poison message with this body and deletes it, so that runs against a long-lived
    /// Azurite (the queue name is the app's own) do not pile up messages.
    /// </summary>
    private static async Task<bool> TakePoisonMessageAsync(string body)
    {
        var poison = EndToEndStack.PoisonQueue;
        if (!await poison.ExistsAsync())
        {
            return false;
        }

        // Received messages stay hidden for a while, so each batch brings messages not seen yet.
        while ((await poison.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value is { Length: > 0 } batch)
        {
            if (batch.FirstOrDefault(m => m.Body.ToString() == body) is { } ours)
            {
                await poison.DeleteMessageAsync(ours.MessageId, ours.PopReceipt);
                return true;
            }
        }

        return false;
    }
}
