using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>
/// HTTP through the host: routes from the worker's metadata (methods, route values, constraints),
/// the request reaching the function intact, and the invocation behind each response.
/// A path that matches no route, or a route but not its methods, is 404 (as the Functions host
/// answers; it does not answer 405).
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class HttpTriggerTests(SmokeHostFixture smoke) : IClassFixture<SmokeHostFixture>
{
    [Fact]
    public async Task Get_reaches_the_function_with_its_route_values_query_and_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "echo/alice/42?color=blue&size=xl");
        request.Headers.Add("x-smoke", "from-the-test");

        using var response = await smoke.Client.SendAsync(request);

        SmokeApp.AssertStatus(HttpStatusCode.OK, response, smoke.Host);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("GET", body.GetProperty("method").GetString());
        Assert.Equal("alice", body.GetProperty("name").GetString());
        Assert.Equal("42", body.GetProperty("id").GetString());
        Assert.Equal("/echo/alice/42", body.GetProperty("path").GetString());
        Assert.Equal("blue", body.GetProperty("query").GetProperty("color").GetString());
        Assert.Equal("xl", body.GetProperty("query").GetProperty("size").GetString());
        Assert.Equal("from-the-test", body.GetProperty("smokeHeader").GetString());
    }

    [Fact]
    public async Task Post_reaches_the_function_with_its_json_body_and_without_the_optional_route_value()
    {
        using var response = await smoke.Client.PostAsJsonAsync("echo/bob", new { amount = 12.5, items = new[] { "a", "b" } });

        SmokeApp.AssertStatus(HttpStatusCode.OK, response, smoke.Host);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("POST", body.GetProperty("method").GetString());
        Assert.Equal("bob", body.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("id").ValueKind);
        Assert.Equal(12.5, body.GetProperty("body").GetProperty("amount").GetDouble());
        Assert.Equal(["a", "b"], body.GetProperty("body").GetProperty("items").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Each_response_comes_from_a_reported_successful_invocation()
    {
        using var response = await smoke.Client.GetAsync("echo/carol");
        SmokeApp.AssertStatus(HttpStatusCode.OK, response, smoke.Host);
        var invocationId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("invocationId").GetString();

        var outcome = await SmokeApp.WaitForAsync(smoke.Host, o => o.InvocationId == invocationId);

        Assert.Equal("Echo", outcome.FunctionName);
        Assert.Equal("httpTrigger", outcome.TriggerType);
        Assert.True(outcome.Succeeded);
        Assert.Equal(200, outcome.HttpStatusCode);
    }

    [Theory]
    [InlineData("GET", "nothing-here")]
    [InlineData("GET", "echo")]
    [InlineData("GET", "echo/bob/not-a-number")]
    [InlineData("GET", "echo/bob/1/extra")]
    [InlineData("DELETE", "echo/bob")]
    [InlineData("GET", "tickets")]
    public async Task A_path_or_method_no_function_serves_is_404(string method, string path)
    {
        using var response = await smoke.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_failing_function_answers_500_and_its_exception_is_reported_and_logged()
    {
        using var response = await smoke.Client.GetAsync("fail");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var outcome = await SmokeApp.WaitForAsync(smoke.Host, o => o.FunctionName == "Fail");
        Assert.False(outcome.Succeeded);
        Assert.Contains("Smoke failure requested", outcome.ExceptionMessage);
        Assert.Equal(500, outcome.HttpStatusCode);
        await Eventually.UntilAsync(
            () => smoke.Host.Logs.Any(l => l.InvocationId == outcome.InvocationId && l.Message.Contains("Smoke failure requested", StringComparison.Ordinal)),
            "the worker's log of the exception");
    }

    [Fact]
    public async Task Concurrent_requests_are_each_answered_by_their_own_invocation()
    {
        var names = Enumerable.Range(0, 25).Select(i => $"caller{i}").ToList();

        var bodies = await Task.WhenAll(names.Select(async name =>
        {
            using var response = await smoke.Client.GetAsync($"echo/{name}");
            SmokeApp.AssertStatus(HttpStatusCode.OK, response, smoke.Host);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }));

        Assert.Equal(names, bodies.Select(b => b.GetProperty("name").GetString()));
        Assert.Equal(names.Count, bodies.Select(b => b.GetProperty("invocationId").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task An_http_result_and_a_queue_output_come_from_one_invocation()
    {
        using var response = await smoke.Client.PostAsync("tickets", new StringContent("printer on fire"));

        SmokeApp.AssertStatus(HttpStatusCode.Created, response, smoke.Host);
        var ticketId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticketId").GetString();
        Assert.Equal($"/tickets/{ticketId}", response.Headers.Location?.OriginalString);
        // Written by the host before it answered, base64-encoded as host.json says.
        var stored = await SmokeApp.PeekRawAsync(smoke.QueueName + "-tickets");
        Assert.Contains(Base64($"{ticketId}:printer on fire"), stored);
    }

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));
}
