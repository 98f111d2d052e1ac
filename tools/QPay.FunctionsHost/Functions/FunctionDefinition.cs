using QPay.FunctionsHost.Rpc;

namespace QPay.FunctionsHost.Functions;

/// <summary>A function the worker indexed and loaded: its id, trigger and output bindings.</summary>
internal sealed class FunctionDefinition
{
    private FunctionDefinition(RpcFunctionMetadata metadata, BindingDefinition trigger, IReadOnlyList<BindingDefinition> outputs)
    {
        Metadata = metadata;
        Trigger = trigger;
        Outputs = outputs;
    }

    public RpcFunctionMetadata Metadata { get; }

    public string Name => Metadata.Name;

    public string FunctionId => Metadata.FunctionId;

    public BindingDefinition Trigger { get; }

    public IReadOnlyList<BindingDefinition> Outputs { get; }

    public static FunctionDefinition From(RpcFunctionMetadata metadata)
    {
        var bindings = metadata.RawBindings.Select(BindingDefinition.Parse).ToList();
        var trigger = bindings.SingleOrDefault(b => b.IsTrigger)
            ?? throw new InvalidOperationException($"Function {metadata.Name} has no trigger binding.");
        return new FunctionDefinition(metadata, trigger, bindings.Where(b => !b.IsInput).ToList());
    }
}
