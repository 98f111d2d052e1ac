using Host = QPay.FunctionsHost.FunctionsHost;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>One smoke host per test class, with a function key and its own queue.</summary>
public sealed class SmokeHostFixture : IAsyncLifetime
{
    public const string FunctionKey = "smoke-function-key-0123456789";

    public string QueueName { get; } = SmokeApp.NewQueueName();

    public Host Host { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await SmokeApp.StartAsync(QueueName, FunctionKey);
        Client = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = SmokeApp.Patience };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        await SmokeApp.DeleteQueuesAsync(QueueName);
    }
}
