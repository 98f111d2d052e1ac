using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace QPay.Benchmarks;

/// <summary>
/// An Azurite of the cost phase's own (in memory, free ports): the shared one on 10000-10002 serves
/// other runs and tests whose workers listen to the same queues and would take this phase's messages.
/// </summary>
internal sealed class PrivateAzurite : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account and key (not a secret).</summary>
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly int[] _ports;

    private PrivateAzurite(Process process, int[] ports)
    {
        _process = process;
        _ports = ports;
    }

    /// <summary>The worker's AzureWebJobsStorage for this Azurite.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};" +
        $"BlobEndpoint=http://127.0.0.1:{_ports[0]}/{Account};QueueEndpoint=http://127.0.0.1:{_ports[1]}/{Account};TableEndpoint=http://127.0.0.1:{_ports[2]}/{Account};";

    public static async Task<PrivateAzurite> StartAsync()
    {
        var executable = Path.Combine(BenchStack.RepositoryRoot, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"the cost phase starts an Azurite of its own and found none at {executable} (npm install)");
        }

        var free = FreePorts.Take(3);
        var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments =
        [
            "--silent", "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--blobPort", Port(free[0]),
            "--queueHost", "127.0.0.1", "--queuePort", Port(free[1]),
            "--tableHost", "127.0.0.1", "--tablePort", Port(free[2]),
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new PrivateAzurite(process, free);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!free.All(Listening))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await azurite.DisposeAsync();
                throw new InvalidOperationException($"Azurite did not listen on 127.0.0.1:{string.Join(", ", free)}");
            }

            await Task.Delay(100);
        }

        return azurite;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static bool Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
