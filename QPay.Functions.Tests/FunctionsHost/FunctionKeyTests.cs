using System.Net;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>
/// Function keys as Azure checks them when the host is given one: a Function-level route needs it in
/// <c>x-functions-key</c> or <c>?code=</c>, else 401 without invoking; Anonymous routes never do.
/// The dev runner, like <c>func start</c>, is given no key and asks for none.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class FunctionKeyTests(SmokeHostFixture smoke) : IClassFixture<SmokeHostFixture>
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("wrong-key", null)]
    [InlineData(null, "wrong-key")]
    [InlineData("", "")]
    public async Task A_function_level_route_without_the_right_key_is_401_and_not_invoked(string? header, string? code)
    {
        var invokedBefore = smoke.Host.Invocations.Count(o => o.FunctionName == "Keyed");

        using var response = await smoke.Client.SendAsync(KeyedRequest(header, code));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(invokedBefore, smoke.Host.Invocations.Count(o => o.FunctionName == "Keyed"));
    }

    [Theory]
    [InlineData(SmokeHostFixture.FunctionKey, null)]
    [InlineData(null, SmokeHostFixture.FunctionKey)]
    public async Task A_function_level_route_with_the_key_in_the_header_or_the_code_query_is_served(string? header, string? code)
    {
        using var response = await smoke.Client.SendAsync(KeyedRequest(header, code));

        SmokeApp.AssertStatus(HttpStatusCode.OK, response, smoke.Host);
        Assert.Contains("\"keyed\":true", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_anonymous_route_needs_no_key()
    {
        using var response = await smoke.Client.GetAsync("echo/anyone");

        SmokeApp.AssertStatus(HttpStatusCode.OK, response, smoke.Host);
    }

    [Fact]
    public async Task Without_a_configured_key_function_level_routes_are_open_as_with_func_start()
    {
        var queueName = SmokeApp.NewQueueName();
        await using (var host = await SmokeApp.StartAsync(queueName, functionKey: null))
        {
            using var client = new HttpClient { BaseAddress = host.BaseAddress };

            using var response = await client.GetAsync("keyed");

            SmokeApp.AssertStatus(HttpStatusCode.OK, response, host);
        }

        await SmokeApp.DeleteQueuesAsync(queueName);
    }

    private static HttpRequestMessage KeyedRequest(string? header, string? code)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, code is null ? "keyed" : $"keyed?code={Uri.EscapeDataString(code)}");
        if (header is not null)
        {
            request.Headers.Add("x-functions-key", header);
        }

        return request;
    }
}
