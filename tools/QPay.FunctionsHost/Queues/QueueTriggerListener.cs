using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using QPay.FunctionsHost.Functions;
using QPay.FunctionsHost.Hosting;

namespace QPay.FunctionsHost.Queues;

/// <summary>
/// Feeds one queue-triggered function from its queue as the Storage Queues extension does: polls
/// with back-off, receives up to batchSize messages invisible for 10 minutes (renewed while the
/// function runs), deletes a message on success, and on failure makes it visible again after
/// visibilityTimeout or, once its DequeueCount reaches maxDequeueCount, moves it to
/// <c>&lt;queue&gt;-poison</c>.
/// </summary>
internal sealed class QueueTriggerListener(
    FunctionDefinition function,
    QueueClient queue,
    QueueClient poisonQueue,
    QueuesOptions options,
    TimeSpan maxPollingInterval,
    FunctionInvoker invoker,
    InvocationOutcomes outcomes,
    HostStorageCounter counter,
    HostLog log)
{
    private static readonly TimeSpan InFlightVisibility = TimeSpan.FromMinutes(10);

    public string QueueName => queue.Name;

    public async Task RunAsync(CancellationToken stop)
    {
        var delay = new PollingDelay(maxPollingInterval);
        while (!stop.IsCancellationRequested)
        {
            QueueMessage[] batch;
            try
            {
                batch = (await queue.ReceiveMessagesAsync(Math.Clamp(options.BatchSize, 1, 32), InFlightVisibility, stop)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                batch = [];
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException)
            {
                log.Warn($"{function.Name}: polling queue {queue.Name} failed: {e.Message}");
                batch = [];
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            if (batch.Length == 0)
            {
                counter.EmptyPoll();
                try
                {
                    await Task.Delay(delay.Next(), stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            delay.Reset();
            await Task.WhenAll(batch.Select(message => ProcessAsync(message, stop)));
        }
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken stop)
    {
        try
        {
            if (!QueueTriggerData.TryDecode(message.Body, options.Base64Encoding, out var text))
            {
                log.Warn($"{function.Name}: message {message.MessageId} on {queue.Name} is not valid base64 text; moving it to {poisonQueue.Name}.");
                await MoveToPoisonAsync(message, message.PopReceipt, stop);
                return;
            }

            if (message.DequeueCount > options.MaxDequeueCount)
            {
                log.Warn($"{function.Name}: message {message.MessageId} was dequeued {message.DequeueCount} times; moving it to {poisonQueue.Name}.");
                await MoveToPoisonAsync(message, message.PopReceipt, stop);
                return;
            }

            var invocationId = Guid.NewGuid().ToString();
            var lease = new MessageLease(queue, message);
            InvocationResult result;
            using (var renewing = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                var renewal = lease.RenewUntilCancelledAsync(InFlightVisibility, renewing.Token);
                try
                {
                    result = await invoker.InvokeAsync(
                        function,
                        invocationId,
                        QueueTriggerData.Input(function.Trigger, message, text),
                        QueueTriggerData.Metadata(message, text),
                        stop);
                }
                finally
                {
                    await renewing.CancelAsync();
                    await renewal;
                }
            }

            var poisoned = false;
            if (result.Succeeded)
            {
                await queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, stop);
            }
            else if (message.DequeueCount >= options.MaxDequeueCount)
            {
                log.Warn($"{function.Name}: message {message.MessageId} failed on attempt {message.DequeueCount} of {options.MaxDequeueCount}; moving it to {poisonQueue.Name}.");
                await MoveToPoisonAsync(message, lease.PopReceipt, stop);
                poisoned = true;
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: options.VisibilityTimeout, cancellationToken: stop);
            }

            outcomes.Publish(result.ToOutcome() with
            {
                QueueMessageId = message.MessageId,
                DequeueCount = message.DequeueCount,
                MovedToPoisonQueue = poisoned,
            });
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: the message becomes visible again when its lease runs out, as when a host dies.
        }
        catch (Exception e)
        {
            // The worker went away or storage failed: leave the message to reappear after its lease.
            log.Error($"{function.Name}: message {message.MessageId} on {queue.Name} was not settled: {e.Message}");
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, string popReceipt, CancellationToken stop)
    {
        await poisonQueue.CreateIfNotExistsAsync(cancellationToken: stop);
        await poisonQueue.SendMessageAsync(message.Body, cancellationToken: stop);
        await queue.DeleteMessageAsync(message.MessageId, popReceipt, stop);
    }

    /// <summary>Keeps a message invisible while its function runs; every renewal gives a new pop receipt.</summary>
    private sealed class MessageLease(QueueClient queue, QueueMessage message)
    {
        public string PopReceipt { get; private set; } = message.PopReceipt;

        public async Task RenewUntilCancelledAsync(TimeSpan visibility, CancellationToken cancellationToken)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(visibility / 2, cancellationToken);
                    // Not cancelled midway: the new pop receipt must be known before the message is settled.
                    var receipt = await queue.UpdateMessageAsync(message.MessageId, PopReceipt, visibilityTimeout: visibility, cancellationToken: CancellationToken.None);
                    PopReceipt = receipt.Value.PopReceipt;
                }
            }
            catch (OperationCanceledException)
            {
                // The invocation finished.
            }
        }
    }
}
