using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Operations;

/// <param name="Kept">Messages that would have expired, re-sent to never expire (their originals deleted).</param>
/// <param name="Failed">Poison queues whose pass stopped on a failure (logged; the next run goes on).</param>
public sealed record PoisonKeeping(int Kept, int Failed);

/// <summary>
/// Makes every message of the app's poison queues one that never expires. The queue functions write their own
/// poison copies that way (<see cref="IPoisonQueue"/>), but the Functions runtime still moves a message itself
/// when the last attempt crashes or times out, or its body cannot be bound, and its copy gets Queue Storage's
/// default time-to-live of 7 days. A message cannot be given a new time-to-live, so each such copy is re-sent
/// (never to expire) and only then deleted: a failure in between leaves a duplicate, which replay tolerates
/// (<see cref="PoisonMessages.ReplayAsync"/>), never a loss. One bounded pass per queue and run.
/// </summary>
public sealed class PoisonKeeper(StorageClients storage, AppQueues queues, IPoisonQueue poison, ILogger<PoisonKeeper> logger)
{
    /// <summary>Messages one run looks at per poison queue; hourly, that is far more than a 7-day expiry needs.</summary>
    public const int MaxPerQueue = 256;

    /// <summary>How long a message looked at stays hidden if this run dies holding it; released at the end of the pass otherwise.</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(1);

    public async Task<PoisonKeeping> RunAsync(CancellationToken cancellationToken)
    {
        var kept = 0;
        var failed = 0;
        foreach (var queue in queues.All)
        {
            var pass = await KeepAsync(queue, cancellationToken).ConfigureAwait(false);
            kept += pass.Kept;
            failed += pass.Failed ? 1 : 0;
        }

        return new PoisonKeeping(kept, failed);
    }

    private async Task<(int Kept, bool Failed)> KeepAsync(AppQueue queue, CancellationToken cancellationToken)
    {
        var client = storage.QueueService.GetQueueClient(queue.PoisonName);
        var looked = 0;
        var kept = 0;
        var held = new List<QueueMessage>();
        try
        {
            if (!await client.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return (0, false); // the first poison message creates it
            }

            // Each receive hides what it returned, so the next one reaches further into the queue.
            while (looked < MaxPerQueue)
            {
                var batch = (await client.ReceiveMessagesAsync(Math.Min(32, MaxPerQueue - looked), Hold, cancellationToken).ConfigureAwait(false)).Value;
                if (batch.Length == 0)
                {
                    break;
                }

                looked += batch.Length;
                held.AddRange(batch); // released below unless re-sent and deleted
                foreach (var message in batch)
                {
                    if (!PoisonQueue.Expires(message.ExpiresOn))
                    {
                        continue;
                    }

                    // Past the receive, no cancellation: a copy sent is followed by its original's deletion.
                    await poison.KeepAsync(queue.Name, message.Body.ToString(), CancellationToken.None).ConfigureAwait(false);
                    await client.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
                    held.Remove(message);
                    kept++;
                }
            }

            if (kept > 0)
            {
                Log.PoisonMessagesKept(logger, kept, queue.PoisonName, looked);
            }

            return (kept, false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.PoisonKeepingFailed(logger, exception, queue.PoisonName, kept);
            return (kept, true);
        }
        finally
        {
            await ReleaseAsync(client, held).ConfigureAwait(false);
        }
    }

    /// <summary>Shows the messages this pass only looked at again now (operators peek them), not after <see cref="Hold"/>.</summary>
    private static async Task ReleaseAsync(QueueClient client, List<QueueMessage> held)
    {
        foreach (var message in held)
        {
            try
            {
                await client.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
                // It reappears when its hold ends.
            }
        }
    }
}
