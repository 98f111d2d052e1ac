using System.Text.Json;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Hosting;

/// <summary>
/// The functions.metadata the build writes is what the Functions host indexes: each function's
/// trigger, route and methods must be exactly those of design §3 and §8.
/// </summary>
public sealed class FunctionMetadataTests
{
    /// <summary>Name, trigger, auth level, methods, route (HTTP) or queue/schedule (others).</summary>
    public static TheoryData<string, string, string?, string?, string?> ExpectedFunctions() => new()
    {
        { "HealthFunction", "httpTrigger", "Anonymous", "get", "health" },
        { "SeedSession", "httpTrigger", "Anonymous", "post", "payments/qpay/seed-session" },
        { "InternalSeedSession", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/seed-session" },
        { "QPayWebhook", "httpTrigger", "Anonymous", "get,post", "payments/qpay/webhook" },
        { "InternalQPayWebhook", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/webhook" },
        { "PaymentStatus", "httpTrigger", "Anonymous", "get", "payments/qpay/status" },
        { "InternalPaymentStatus", "httpTrigger", "Function", "get", "order/api/internal/payments/qpay/status" },
        { "CancelSession", "httpTrigger", "Anonymous", "post", "payments/qpay/cancel" },
        { "InternalCancelSession", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/cancel" },
        { "PutProducts", "httpTrigger", "Function", "put", "order/api/internal/catalog/products" },
        { "GetProduct", "httpTrigger", "Function", "get", "order/api/internal/catalog/products/{shopId}/{productId}" },
        { "DeleteProduct", "httpTrigger", "Function", "delete", "order/api/internal/catalog/products/{shopId}/{productId}" },
        { "PutCoupons", "httpTrigger", "Function", "put", "order/api/internal/catalog/coupons" },
        { "GetCoupon", "httpTrigger", "Function", "get", "order/api/internal/catalog/coupons/{code}" },
        { "DeleteCoupon", "httpTrigger", "Function", "delete", "order/api/internal/catalog/coupons/{code}" },
        { "RefundSession", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/refund" },
        { "SettleRefund", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/refunds/{refundId}/settle" },
        { "ListRefunds", "httpTrigger", "Function", "get", "order/api/internal/payments/qpay/refunds" },
        { "GetEbarimt", "httpTrigger", "Anonymous", "get", "payments/qpay/ebarimt" },
        { "InternalGetEbarimt", "httpTrigger", "Function", "get", "order/api/internal/payments/qpay/ebarimt" },
        { "RetryEbarimt", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/ebarimt/retry" },
        { "GetPaymentSession", "httpTrigger", "Function", "get", "order/api/internal/payments/qpay/sessions/{sessionId}" },
        { "ListPaymentSessions", "httpTrigger", "Function", "get", "order/api/internal/payments/qpay/sessions" },
        { "CheckPaymentSession", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/sessions/{sessionId}/check" },
        { "ListPoisonMessages", "httpTrigger", "Function", "get", "order/api/internal/payments/qpay/poison" },
        { "ReplayPoisonMessages", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/poison/replay" },
        { "CreateOrders", "queueTrigger", null, null, "qpay-order-creation" },
        { "IssueReceipt", "queueTrigger", null, null, "qpay-ebarimt" },
        { "ProcessRefund", "queueTrigger", null, null, "qpay-refunds" },
        { "ReconcileSession", "queueTrigger", null, null, "qpay-reconcile" },
        { "ReconcilePayments", "timerTrigger", null, null, "*/15 * * * * *" },
        { "RemoveExpiredData", "timerTrigger", null, null, "0 17 * * * *" },
        { "KeepPoisonMessages", "timerTrigger", null, null, "0 47 * * * *" },
        { "GetLedgerRun", "httpTrigger", "Function", "get", "order/api/internal/payments/qpay/ledger/{date}" },
        { "RunLedgerCheck", "httpTrigger", "Function", "post", "order/api/internal/payments/qpay/ledger/{date}" },
        { "DailyLedgerCheck", "timerTrigger", null, null, "0 30 0 * * *" },
        { "GetOpenApiDocument", "httpTrigger", "Anonymous", "get", "openapi.json" },
        { "CheckoutPage", "httpTrigger", "Anonymous", "get", "checkout" },
        { "CheckoutFile", "httpTrigger", "Anonymous", "get", "checkout/{file}" },
        { "CheckoutDemo", "httpTrigger", "Anonymous", "get", "checkout/demo" },
    };

    [Theory]
    [MemberData(nameof(ExpectedFunctions))]
    public void Function_is_indexed_with_its_trigger_route_and_methods(
        string name, string trigger, string? authLevel, string? methods, string? routeOrSource)
    {
        var function = Functions().Single(f => f.GetProperty("name").GetString() == name);
        var binding = function.GetProperty("bindings").EnumerateArray()
            .Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

        Assert.Equal(trigger, binding.GetProperty("type").GetString());
        if (trigger == "httpTrigger")
        {
            Assert.Equal(authLevel, binding.GetProperty("authLevel").GetString());
            Assert.Equal(methods, string.Join(',', binding.GetProperty("methods").EnumerateArray().Select(m => m.GetString())));
            Assert.Equal(routeOrSource, binding.GetProperty("route").GetString());
        }
        else if (trigger == "queueTrigger")
        {
            Assert.Equal(routeOrSource, binding.GetProperty("queueName").GetString());
        }
        else
        {
            Assert.Equal(routeOrSource, binding.GetProperty("schedule").GetString());
        }
    }

    [Fact]
    public void No_function_exists_that_the_design_does_not_list()
    {
        var expected = ExpectedFunctions().Select(row => (string)row[0]).Order();

        Assert.Equal(expected, Functions().Select(f => f.GetProperty("name").GetString()!).Order());
    }

    [Fact]
    public void Host_json_in_the_build_output_sets_an_empty_route_prefix_and_the_queue_settings()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.FunctionsAppOutput, "host.json")));
        var extensions = hostJson.RootElement.GetProperty("extensions");

        Assert.Equal(string.Empty, extensions.GetProperty("http").GetProperty("routePrefix").GetString());
        var queues = extensions.GetProperty("queues");
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal(QPay.Functions.Payments.Orders.OrderCreationService.MaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.True(TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!) > TimeSpan.Zero);
    }

    private static List<JsonElement> Functions()
    {
        var path = Path.Combine(TestPaths.FunctionsAppOutput, "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
