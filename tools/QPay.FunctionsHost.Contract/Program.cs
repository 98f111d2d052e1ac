using Google.Protobuf;
using Google.Protobuf.Reflection;

// Usage: QPay.FunctionsHost.Contract <output.desc> <csharp-namespace>
// Writes the FunctionRpc descriptor compiled into Microsoft.Azure.Functions.Worker.Grpc, with every
// file it depends on, as a FileDescriptorSet for `protoc --descriptor_set_in`. The C# namespace of
// the contract files is rewritten so the generated host types never clash with the worker's own.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: QPay.FunctionsHost.Contract <output.desc> <csharp-namespace>");
    return 2;
}

const string ReflectionType = "Microsoft.Azure.Functions.Worker.Grpc.Messages.FunctionRpcReflection, Microsoft.Azure.Functions.Worker.Grpc";
var root = Type.GetType(ReflectionType, throwOnError: true)!
    .GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?
    .GetValue(null) as FileDescriptor
    ?? throw new InvalidOperationException($"{ReflectionType} has no static FileDescriptor Descriptor; the package layout changed.");

var set = new FileDescriptorSet();
var written = new HashSet<string>(StringComparer.Ordinal);
Add(root);

var output = Path.GetFullPath(args[0]);
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
File.WriteAllBytes(output, set.ToByteArray());
Console.WriteLine($"Wrote {set.File.Count} descriptors ({string.Join(", ", set.File.Select(f => f.Name))}) to {output}");
return 0;

// Dependencies first: protoc wants every import before the file that imports it.
void Add(FileDescriptor file)
{
    if (!written.Add(file.Name))
    {
        return;
    }

    foreach (var dependency in file.Dependencies)
    {
        Add(dependency);
    }

    var proto = FileDescriptorProto.Parser.ParseFrom(file.SerializedData);
    if (!proto.Name.StartsWith("google/protobuf/", StringComparison.Ordinal))
    {
        proto.Options ??= new Google.Protobuf.Reflection.FileOptions();
        proto.Options.CsharpNamespace = args[1];
    }

    set.File.Add(proto);
}
