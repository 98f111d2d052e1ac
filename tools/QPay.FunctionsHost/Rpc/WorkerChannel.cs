using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using QPay.FunctionsHost.Hosting;

namespace QPay.FunctionsHost.Rpc;

/// <summary>
/// The host's end of the worker's one <c>EventStream</c>. One loop writes the outgoing messages (a
/// gRPC stream takes one writer at a time); the reading loop hands <c>StartStream</c> to the
/// start-up, <c>RpcLog</c> to the log, and every reply to whoever waits for its <c>request_id</c>
/// (or, for an invocation, its <c>invocation_id</c>).
/// </summary>
internal sealed class WorkerChannel(HostLog log)
{
    private readonly Channel<StreamingMessage> _outgoing = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _replies = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> _invocations = new();
    private readonly TaskCompletionSource<StartStream> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _attached;

    /// <summary>Completes when the worker opened its stream and sent <c>StartStream</c>.</summary>
    public Task<StartStream> Started => _started.Task;

    /// <summary>Completes when the stream has ended.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Runs for the lifetime of the worker's stream (the gRPC method returns when it ends).</summary>
    public async Task AttachAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _attached, 1) == 1)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.AlreadyExists, "This host serves one worker stream."));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = WriteLoopAsync(responses, stop.Token);
        try
        {
            await foreach (var message in requests.ReadAllAsync(stop.Token))
            {
                Dispatch(message);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
            // The worker went away or the host is stopping.
        }
        finally
        {
            await stop.CancelAsync();
            await writing;
            Close(new InvalidOperationException("The worker's gRPC stream closed."));
        }
    }

    /// <summary>Sends a request and waits for the reply that carries its request id.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage request, CancellationToken cancellationToken)
    {
        request.RequestId = Guid.NewGuid().ToString();
        var reply = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[request.RequestId] = reply;
        try
        {
            Send(request);
            return await reply.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _replies.TryRemove(request.RequestId, out _);
        }
    }

    /// <summary>Sends an invocation and waits for its response.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest invocation, CancellationToken cancellationToken)
    {
        var response = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _invocations[invocation.InvocationId] = response;
        try
        {
            Send(new StreamingMessage { RequestId = Guid.NewGuid().ToString(), InvocationRequest = invocation });
            return await response.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Tell the worker, as the host does; the stream may already be gone.
            _outgoing.Writer.TryWrite(new StreamingMessage
            {
                RequestId = Guid.NewGuid().ToString(),
                InvocationCancel = new InvocationCancel { InvocationId = invocation.InvocationId },
            });
            throw;
        }
        finally
        {
            _invocations.TryRemove(invocation.InvocationId, out _);
        }
    }

    public void Send(StreamingMessage message)
    {
        if (string.IsNullOrEmpty(message.RequestId))
        {
            message.RequestId = Guid.NewGuid().ToString();
        }

        if (!_outgoing.Writer.TryWrite(message))
        {
            throw new InvalidOperationException("The worker's gRPC stream is closed.");
        }
    }

    /// <summary>Fails whoever still waits; used when the stream ends or the worker process exits.</summary>
    public void Close(Exception reason)
    {
        _outgoing.Writer.TryComplete();
        _started.TrySetException(reason);
        foreach (var reply in _replies.Values)
        {
            reply.TrySetException(reason);
        }

        foreach (var invocation in _invocations.Values)
        {
            invocation.TrySetException(reason);
        }

        _closed.TrySetResult();
    }

    private async Task WriteLoopAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or Grpc.Core.RpcException)
        {
            // The stream ended; AttachAsync fails whoever waits.
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                _started.TrySetResult(message.StartStream);
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                OnLog(message.RpcLog);
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                if (_invocations.TryGetValue(message.InvocationResponse.InvocationId, out var invocation))
                {
                    invocation.TrySetResult(message.InvocationResponse);
                }

                break;
            default:
                if (_replies.TryGetValue(message.RequestId, out var reply))
                {
                    reply.TrySetResult(message);
                }
                else if (message.ContentCase != StreamingMessage.ContentOneofCase.WorkerStatusResponse)
                {
                    log.Host(LogLevel.Debug, $"Unsolicited {message.ContentCase} from the worker (ignored).");
                }

                break;
        }
    }

    private void OnLog(RpcLog rpcLog)
    {
        var text = rpcLog.Message;
        if (rpcLog.Exception is { } exception)
        {
            // The worker's message often is the whole exception text already, stack trace included.
            text += Environment.NewLine + exception.Message;
            if (!string.IsNullOrEmpty(exception.StackTrace) && !exception.Message.Contains(exception.StackTrace, StringComparison.Ordinal))
            {
                text += Environment.NewLine + exception.StackTrace;
            }
        }
        log.Add(new HostLogLine(
            DateTimeOffset.UtcNow,
            HostLogSource.Worker,
            rpcLog.Level switch
            {
                RpcLog.Types.Level.Trace => LogLevel.Trace,
                RpcLog.Types.Level.Debug => LogLevel.Debug,
                RpcLog.Types.Level.Information => LogLevel.Information,
                RpcLog.Types.Level.Warning => LogLevel.Warning,
                RpcLog.Types.Level.Error => LogLevel.Error,
                RpcLog.Types.Level.Critical => LogLevel.Critical,
                _ => LogLevel.None,
            },
            rpcLog.Category,
            text,
            string.IsNullOrEmpty(rpcLog.InvocationId) ? null : rpcLog.InvocationId));
    }
}
