using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Hosting;

public sealed class HealthFunctionTests
{
    [Fact]
    public async Task Health_is_200_when_redis_table_and_queue_answer()
    {
        LocalStack.EnsureRunning();
        using var host = TestApp.Build();

        var (status, body) = await Eventually.ResultAsync(() => GetHealth(host.Services), h => h.Status == StatusCodes.Status200OK);

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("failing").EnumerateArray());
        foreach (var check in new[] { "redis", "table", "queue" })
        {
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Health_is_503_naming_redis_once_redis_is_stopped()
    {
        LocalStack.EnsureRunning();
        await using var redis = await RedisServerProcess.StartAsync();
        using var host = TestApp.Build(new Dictionary<string, string?> { ["REDIS_DATABASE_URI"] = redis.Uri });
        var (before, _) = await Eventually.ResultAsync(() => GetHealth(host.Services), h => h.Status == StatusCodes.Status200OK);

        await redis.StopAsync();
        var (after, body) = await GetHealth(host.Services);

        Assert.Equal(StatusCodes.Status200OK, before);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, after);
        Assert.Equal(["redis"], body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("table").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_is_503_naming_table_and_queue_when_storage_is_unreachable()
    {
        LocalStack.EnsureRunning();
        var deadPort = LocalStack.FreePort();
        using var host = TestApp.Build(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
                "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                $"TableEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;",
        });

        var (status, body) = await GetHealth(host.Services);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal(["queue", "table"], body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()).Order());
    }

    private static async Task<(int Status, JsonElement Body)> GetHealth(IServiceProvider services)
    {
        var function = ActivatorUtilities.CreateInstance<HealthFunction>(services);
        var result = Assert.IsType<ObjectResult>(await function.Run(new DefaultHttpContext().Request, CancellationToken.None));
        var json = JsonSerializer.SerializeToElement(result.Value, JsonSerializerOptions.Web);
        return (result.StatusCode ?? 200, json);
    }
}
