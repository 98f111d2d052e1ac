using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using QPay.Functions.Hosting;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Hosting;

/// <summary>
/// A function key sent as <c>?code=</c> reaches the worker in the request URL (the host forwards it
/// as Azure's does); neither the worker's logs nor its exported spans may carry it.
/// </summary>
public sealed class FunctionKeyLoggingTests
{
    private const string Key = "fk-0123456789abcdefABCDEF==";

    [Fact]
    public void Spans_lose_a_function_key_passed_as_code_before_export()
    {
        using var activity = new Activity($"GET /order/api/internal/payments/qpay/refunds?status=pending&code={Key}");
        activity.SetTag("url.full", $"https://func-qpay.azurewebsites.net/order/api/internal/payments/qpay/refunds?status=pending&code={Key}");
        activity.SetTag("url.query", $"?status=pending&code={Key}");
        activity.SetTag("http.target", $"/order/api/internal/payments/qpay/refunds?code={Key}");
        activity.DisplayName = $"GET /order/api/internal/payments/qpay/refunds?code={Key}";

        new SecretQueryRedactionProcessor().OnEnd(activity);

        Assert.DoesNotContain(activity.TagObjects, tag => tag.Value is string text && text.Contains(Key, StringComparison.Ordinal));
        Assert.Equal("?status=pending&code=REDACTED", activity.GetTagItem("url.query"));
        Assert.DoesNotContain(Key, activity.DisplayName, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics")] // "Request starting HTTP/1.1 GET http://…?code=…"
    [InlineData("Microsoft.AspNetCore.Routing.EndpointMiddleware")]
    [InlineData("System.Net.Http.HttpClient.QPay.LogicalHandler")]
    public void The_worker_drops_the_framework_request_lines_that_carry_the_url(string category)
    {
        var collector = new FakeLogCollector();
        using var app = TestApp.Build(services: s => s.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(collector))));
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category);

        logger.LogInformation("Request starting HTTP/1.1 GET http://127.0.0.1:7071/order/api/internal/payments/qpay/refunds?code={Key}", Key);
        logger.LogWarning("a framework warning still goes out");

        var line = Assert.Single(collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, line.Level);
    }
}
