using System.Diagnostics;
using System.Net;
using QPay.Functions.Tests.Infrastructure;
using QPay.FunctionsHost;
using Host = QPay.FunctionsHost.FunctionsHost;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>
/// Starting and stopping real workers: the QPay app itself through the host, a worker that refuses
/// to start (StartAsync fails loudly with what the worker said), and a clean stop.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class WorkerStartupTests
{
    [Fact]
    public async Task The_qpay_worker_answers_health_through_the_host()
    {
        LocalStack.EnsureRunning();
        await using var host = await Host.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = TestPaths.FunctionsAppOutput,
            Settings = LocalSettings.Values(),
        });
        using var client = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await Eventually.HealthyAsync(client);

        SmokeApp.AssertStatus(HttpStatusCode.OK, response, host);
        var health = Assert.Single(host.Functions, f => f.Name == "HealthFunction");
        Assert.Equal($"[GET] {host.BaseAddress}health", health.Detail);
    }

    [Fact]
    public async Task A_worker_that_fails_start_up_makes_StartAsync_throw_with_the_setting_it_names()
    {
        var settings = LocalSettings.Values(new Dictionary<string, string?> { ["QPAY_CLIENT_ID"] = null });

        var error = await Assert.ThrowsAsync<FunctionsHostStartException>(() => Host.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = TestPaths.FunctionsAppOutput,
            Settings = settings,
        }));

        Assert.Contains("The worker process exited", error.Message);
        Assert.Contains("QPAY_CLIENT_ID", error.Message);
    }

    [Fact]
    public async Task A_missing_app_directory_is_refused_before_anything_starts()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-app-{Guid.NewGuid():N}");

        var error = await Assert.ThrowsAsync<FunctionsHostStartException>(() => Host.StartAsync(new FunctionsHostOptions { AppDirectory = missing }));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public async Task A_setting_a_trigger_names_but_nobody_set_fails_start_up_naming_it()
    {
        LocalStack.EnsureRunning();

        var error = await Assert.ThrowsAsync<FunctionsHostStartException>(() => Host.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = TestPaths.SmokeAppOutput,
            Settings = new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = LocalStack.StorageConnectionString,
                ["SmokeQueue"] = null,
                ["SmokeTimerSchedule"] = SmokeApp.YearlySchedule,
            },
        }));

        Assert.Contains("'SmokeQueue'", error.Message);
    }

    [Fact]
    public async Task A_port_in_use_fails_start_up_naming_it()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var queueName = SmokeApp.NewQueueName();

        var error = await Assert.ThrowsAsync<FunctionsHostStartException>(() => Host.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = TestPaths.SmokeAppOutput,
            HttpPort = port,
            Settings = new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = LocalStack.StorageConnectionString,
                ["SmokeQueue"] = queueName,
                ["SmokeTimerSchedule"] = SmokeApp.YearlySchedule,
            },
        }));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task Port_zero_is_bound_before_the_worker_starts_and_its_address_can_go_into_the_settings()
    {
        LocalStack.EnsureRunning();
        var queueName = SmokeApp.NewQueueName();
        Uri? seen = null;
        await using var host = await Host.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = TestPaths.SmokeAppOutput,
            HttpPort = 0,
            Settings = new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = LocalStack.StorageConnectionString,
                ["SmokeQueue"] = queueName,
                ["SmokeTimerSchedule"] = SmokeApp.YearlySchedule,
            },
            ConfigureSettings = (self, values) =>
            {
                // Nothing else can take the port now: it is already ours.
                Assert.True(LocalStack.IsListening(self.Port));
                seen = self;
                values["SMOKE_SELF_URL"] = self.ToString();
            },
        });
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = SmokeApp.Patience };

        using var response = await client.GetAsync("setting/SMOKE_SELF_URL");

        SmokeApp.AssertStatus(HttpStatusCode.OK, response, host);
        Assert.Equal(host.BaseAddress, seen);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(host.BaseAddress.ToString(), json.RootElement.GetProperty("value").GetString());
        await SmokeApp.DeleteQueuesAsync(queueName);
    }

    [Fact]
    public async Task Disposing_the_host_stops_the_worker_process()
    {
        var queueName = SmokeApp.NewQueueName();
        var host = await SmokeApp.StartAsync(queueName);
        using var worker = Process.GetProcessById(host.WorkerProcessId);

        await host.DisposeAsync();

        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "the worker process is still running");
        Assert.Contains(host.Logs, l => l.Source == HostLogSource.Worker);
        await SmokeApp.DeleteQueuesAsync(queueName);
    }
}
