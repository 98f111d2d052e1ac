using Grpc.Core;

namespace QPay.FunctionsHost.Rpc;

/// <summary>The host side of <c>FunctionRpc</c>: the worker's one bidirectional <c>EventStream</c>.</summary>
internal sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(
        IAsyncStreamReader<StreamingMessage> requestStream,
        IServerStreamWriter<StreamingMessage> responseStream,
        ServerCallContext context) =>
        channel.AttachAsync(requestStream, responseStream, context.CancellationToken);
}
