using System.Text;
using System.Text.Json;
using QPay.Functions.Tests.Infrastructure;
using QPay.FunctionsHost;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>
/// Queue triggers fed from Azurite as the Functions host feeds them: base64 messages, the dequeue
/// count the function sees growing with each failed attempt, deletion on success, and after
/// host.json's maxDequeueCount (5) the message moved to &lt;queue&gt;-poison. Each test has its own
/// queue (the smoke app's trigger reads %SmokeQueue%) and its own host.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class QueueTriggerTests : IAsyncLifetime
{
    private readonly string _queueName = SmokeApp.NewQueueName();
    private QPay.FunctionsHost.FunctionsHost _host = null!;

    public async Task InitializeAsync()
    {
        await SmokeApp.Queue(_queueName).CreateAsync();
        _host = await SmokeApp.StartAsync(_queueName);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await SmokeApp.DeleteQueuesAsync(_queueName);
    }

    [Fact]
    public async Task A_message_is_processed_once_and_deleted()
    {
        var (id, messageId) = await SendAsync(failUntil: 0);

        var outcome = await SmokeApp.WaitForAsync(_host, o => o.QueueMessageId == messageId);

        Assert.True(outcome.Succeeded, outcome.ExceptionDetails);
        Assert.Equal(SmokeApp.QueueFunction, outcome.FunctionName);
        Assert.Equal(1, outcome.DequeueCount);
        Assert.Equal(0, await SmokeApp.CountAsync(_queueName));
        // The function's return value (a queue output) as the host wrote it: base64.
        Assert.Equal([Base64($"{id}:1")], await SmokeApp.PeekRawAsync(_queueName + "-done"));
    }

    [Fact]
    public async Task A_message_that_fails_twice_is_retried_with_a_growing_dequeue_count_and_then_succeeds()
    {
        var (id, messageId) = await SendAsync(failUntil: 3);

        await SmokeApp.WaitForAsync(_host, o => o.QueueMessageId == messageId && o.Succeeded);

        var attempts = Attempts(messageId);
        Assert.Equal([1L, 2L, 3L], attempts.Select(o => o.DequeueCount!.Value));
        Assert.Equal([false, false, true], attempts.Select(o => o.Succeeded));
        Assert.Contains($"Smoke message {id} fails on attempt 1", attempts[0].ExceptionMessage);
        Assert.Equal([Base64($"{id}:3")], await SmokeApp.PeekRawAsync(_queueName + "-done"));
        Assert.Equal(0, await SmokeApp.CountAsync(_queueName));
        Assert.Equal(0, await SmokeApp.CountAsync(_queueName + "-poison"));
    }

    [Fact]
    public async Task A_message_that_always_fails_is_moved_to_the_poison_queue_after_five_attempts()
    {
        var (id, messageId) = await SendAsync(failUntil: 6);

        await SmokeApp.WaitForAsync(_host, o => o.QueueMessageId == messageId && o.MovedToPoisonQueue);

        var attempts = Attempts(messageId);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], attempts.Select(o => o.DequeueCount!.Value));
        Assert.All(attempts, o => Assert.False(o.Succeeded));
        Assert.Equal([false, false, false, false, true], attempts.Select(o => o.MovedToPoisonQueue));
        Assert.Equal(0, await SmokeApp.CountAsync(_queueName));
        var poisoned = Assert.Single(await SmokeApp.PeekRawAsync(_queueName + "-poison"));
        Assert.Equal(id, JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(poisoned))).RootElement.GetProperty("id").GetString());
        Assert.Empty(await SmokeApp.PeekRawAsync(_queueName + "-done"));
        // The function's own log lines came back over the gRPC stream, one per attempt.
        await Eventually.UntilAsync(
            () => Enumerable.Range(1, 5).All(n => _host.Logs.Any(l => l.Source == HostLogSource.Worker && l.Message == $"Smoke message {id} attempt {n}")),
            "the function's log line of each attempt");
    }

    [Fact]
    public async Task The_host_counts_its_own_queue_requests_and_its_empty_polls_apart()
    {
        await Eventually.UntilAsync(() => _host.StorageRequests.EmptyPolls > 0, "an empty poll of the idle queue");
        var before = _host.StorageRequests;
        var (_, messageId) = await SendAsync(failUntil: 0);

        await SmokeApp.WaitForAsync(_host, o => o.QueueMessageId == messageId && o.Succeeded);

        var spent = _host.StorageRequests - before;
        // At least the receive that found the message, its delete and the queue output's send.
        Assert.True(spent.Queue - spent.EmptyPolls >= 3, $"{spent.Queue} requests, {spent.EmptyPolls} of them empty polls");
        Assert.True(_host.StorageRequests.EmptyPolls <= _host.StorageRequests.Queue);
    }

    private IReadOnlyList<InvocationOutcome> Attempts(string messageId) =>
        _host.Invocations.Where(o => o.QueueMessageId == messageId).OrderBy(o => o.DequeueCount).ToList();

    private async Task<(string Id, string MessageId)> SendAsync(int failUntil)
    {
        var id = Guid.NewGuid().ToString("N");
        var receipt = await SmokeApp.Queue(_queueName).SendMessageAsync(JsonSerializer.Serialize(new { id, failUntil }));
        return (id, receipt.Value.MessageId);
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
