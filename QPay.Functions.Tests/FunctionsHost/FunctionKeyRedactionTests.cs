using Microsoft.Extensions.Logging;
using QPay.FunctionsHost;
using QPay.FunctionsHost.Hosting;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>The repository host hides a <c>?code=</c> function key in every line it captures.</summary>
public sealed class FunctionKeyRedactionTests
{
    [Theory]
    [InlineData("Request starting HTTP/1.1 GET http://127.0.0.1:5000/order/api/x?code=k3y-Value== - -", "Request starting HTTP/1.1 GET http://127.0.0.1:5000/order/api/x?code=REDACTED - -")]
    [InlineData("/route?userId=u&code=abc&limit=5", "/route?userId=u&code=REDACTED&limit=5")]
    [InlineData("/route?CODE=abc#top", "/route?CODE=REDACTED#top")]
    [InlineData("{\"url\":\"/route?code=abc\"}", "{\"url\":\"/route?code=REDACTED\"}")]
    [InlineData("first /a?code=one then /b?x=1&code=two", "first /a?code=REDACTED then /b?x=1&code=REDACTED")]
    public void A_code_query_value_is_replaced_by_a_marker(string line, string expected)
    {
        Assert.Equal(expected, FunctionKeyRedaction.Redact(line));
    }

    [Theory]
    [InlineData("/route?barcode=123&zipcode=9")]
    [InlineData("exit code=3")]
    [InlineData("coupon code SAVE2 applied")]
    [InlineData("")]
    public void Lines_without_a_code_query_parameter_are_left_as_they_are(string line)
    {
        Assert.Same(line, FunctionKeyRedaction.Redact(line));
    }

    [Fact]
    public void The_host_log_and_its_listener_never_see_the_key()
    {
        HostLogLine? heard = null;
        var log = new HostLog(line => heard = line);

        log.Add(new HostLogLine(DateTimeOffset.UtcNow, HostLogSource.Worker, LogLevel.Information, "Microsoft.AspNetCore.Hosting.Diagnostics",
            "Request starting HTTP/1.1 GET http://127.0.0.1:7071/order/api/internal/payments/qpay/refunds?code=the-function-key"));
        log.Warn("forwarding /x?code=the-function-key failed");

        Assert.All(log.Snapshot(), line => Assert.DoesNotContain("the-function-key", line.Message));
        Assert.DoesNotContain("the-function-key", heard!.Message);
        Assert.Contains("code=REDACTED", heard.Message);
    }
}
