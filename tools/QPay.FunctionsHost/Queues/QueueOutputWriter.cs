using System.Collections.Concurrent;
using QPay.FunctionsHost.Functions;
using QPay.FunctionsHost.Hosting;
using QPay.FunctionsHost.Rpc;

namespace QPay.FunctionsHost.Queues;

/// <summary>
/// Writes <c>[QueueOutput]</c> values: each queue binding's value comes back in
/// <c>output_data</c> under the binding's name, or as <c>return_value</c> for <c>$return</c>.
/// </summary>
internal sealed class QueueOutputWriter(QueueClients queues, HostLog log)
{
    private readonly ConcurrentDictionary<string, bool> _created = new();
    private readonly ConcurrentDictionary<string, bool> _warned = new();

    public async Task WriteAsync(FunctionDefinition function, InvocationResponse response, CancellationToken cancellationToken)
    {
        foreach (var output in function.Outputs)
        {
            if (output.Type.Equals("http", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!output.Type.Equals("queue", StringComparison.OrdinalIgnoreCase))
            {
                if (_warned.TryAdd($"{function.Name}/{output.Name}", true))
                {
                    log.Warn($"{function.Name}: output binding '{output.Name}' of type {output.Type} is not supported by this host; its values are dropped.");
                }

                continue;
            }

            var value = output.Name == "$return"
                ? response.ReturnValue
                : response.OutputData.FirstOrDefault(o => o.Name == output.Name)?.Data;
            var messages = TypedDataConvert.ToMessages(value);
            if (messages.Count == 0)
            {
                continue;
            }

            var usedBy = $"the queue output '{output.Name}' of {function.Name}";
            var queue = queues.Encoded(output["connection"], queues.QueueName(output["queueName"], usedBy), usedBy);
            if (_created.TryAdd(queue.Uri.ToString(), true))
            {
                await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }

            foreach (var message in messages)
            {
                await queue.SendMessageAsync(message, cancellationToken: cancellationToken);
            }
        }
    }
}
