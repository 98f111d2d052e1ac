using System.Diagnostics;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using QPay.Functions.Hosting;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Hosting;

public sealed class TelemetryTests
{
    [Theory]
    [InlineData(
        "https://func-qpay.azurewebsites.net/payments/qpay/webhook?sessionId=s-1&token=abcdef0123&qpay_payment_id=42",
        "https://func-qpay.azurewebsites.net/payments/qpay/webhook?sessionId=s-1&token=REDACTED&qpay_payment_id=42")]
    [InlineData("?sessionId=s-1&token=abc", "?sessionId=s-1&token=REDACTED")]
    [InlineData("sessionId=s-1&TOKEN=abc", "sessionId=s-1&TOKEN=REDACTED")]
    [InlineData("/payments/qpay/webhook?token=abc#frag", "/payments/qpay/webhook?token=REDACTED#frag")]
    [InlineData("/order/api/internal/payments/qpay/status?code=functionkey==&userId=u", "/order/api/internal/payments/qpay/status?code=REDACTED&userId=u")]
    [InlineData("?tok%65n=abc&token=def", "?tok%65n=REDACTED&token=REDACTED")]
    [InlineData("?token=", "?token=REDACTED")]
    public void Secret_query_values_are_redacted(string original, string expected)
    {
        Assert.Equal(expected, QueryRedaction.Redact(original));
    }

    [Theory]
    [InlineData("https://func-qpay.azurewebsites.net/payments/qpay/webhook?sessionId=s-1&mytoken=keep&tokens=keep")]
    [InlineData("https://func-qpay.azurewebsites.net/token=in-the-path")]
    [InlineData("GET /payments/qpay/webhook")]
    [InlineData("")]
    public void Text_without_a_secret_query_value_is_returned_unchanged(string original)
    {
        Assert.Same(original, QueryRedaction.Redact(original));
    }

    [Fact]
    public void Spans_lose_the_webhook_token_before_export()
    {
        using var activity = new Activity("GET /payments/qpay/webhook?sessionId=s-1&token=secret-hmac");
        activity.SetTag("url.full", "https://func-qpay.azurewebsites.net/payments/qpay/webhook?sessionId=s-1&token=secret-hmac");
        activity.SetTag("url.query", "?sessionId=s-1&token=secret-hmac");
        activity.SetTag("http.target", "/payments/qpay/webhook?token=secret-hmac");
        activity.SetTag("faas.trigger", "http");
        activity.SetTag("http.response.status_code", 200);
        activity.DisplayName = "GET /payments/qpay/webhook?sessionId=s-1&token=secret-hmac";

        new SecretQueryRedactionProcessor().OnEnd(activity);

        Assert.DoesNotContain(activity.TagObjects, tag => tag.Value is string text && text.Contains("secret-hmac", StringComparison.Ordinal));
        Assert.Equal("?sessionId=s-1&token=REDACTED", activity.GetTagItem("url.query"));
        Assert.Equal("http", activity.GetTagItem("faas.trigger"));
        Assert.Equal(200, activity.GetTagItem("http.response.status_code"));
        Assert.DoesNotContain("secret-hmac", activity.DisplayName, StringComparison.Ordinal);
    }

    [Fact]
    public void Authentication_string_with_a_client_id_signs_in_as_that_managed_identity()
    {
        Assert.IsType<ManagedIdentityCredential>(TelemetryExtensions.AzureMonitorCredential("Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000001"));
        Assert.IsType<ManagedIdentityCredential>(TelemetryExtensions.AzureMonitorCredential("ClientId=00000000-0000-0000-0000-000000000001; Authorization=AAD"));
        Assert.IsType<ManagedIdentityCredential>(TelemetryExtensions.AzureMonitorCredential("Authorization=AAD"));
        Assert.Null(TelemetryExtensions.AzureMonitorCredential(""));
        var error = Assert.Throws<InvalidOperationException>(() => TelemetryExtensions.AzureMonitorCredential("Authorization=Key"));
        Assert.Contains("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", error.Message);
    }

    [Fact]
    public void Without_a_connection_string_no_telemetry_pipeline_is_registered()
    {
        IServiceCollection? registered = null;
        using var host = TestApp.Build(services: services => registered = services);

        Assert.DoesNotContain(registered!, d => d.ServiceType == typeof(TracerProvider));
    }

    [Fact]
    public void With_a_connection_string_the_worker_exports_through_opentelemetry()
    {
        IServiceCollection? registered = null;
        // Registration only: nothing is resolved, so no exporter starts and nothing leaves the machine.
        using var host = TestApp.Build(
            new Dictionary<string, string?>
            {
                ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/",
                ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000001",
            },
            services => registered = services);

        Assert.Contains(registered!, d => d.ServiceType == typeof(TracerProvider));
    }
}
