using System.Net.Sockets;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>
/// The shared local services every integration test uses: Azurite (10000-10002) and Redis (6379)
/// on loopback, started by scripts/test.sh. A missing one fails the test with what to do.
/// <c>QPAY_TEST_AZURITE_PORT</c> (the blob port; queue and table follow it) and <c>QPAY_TEST_REDIS_PORT</c>
/// point a run at a stack of its own, so that two runs on one machine never take each other's queue messages.
/// </summary>
internal static class LocalStack
{
    /// <summary>Azurite's well-known development account key (public, the same in every Azurite).</summary>
    private const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static readonly int AzuriteBlobPort = PortFromEnvironment("QPAY_TEST_AZURITE_PORT", 10000);

    public static readonly int RedisPort = PortFromEnvironment("QPAY_TEST_REDIS_PORT", 6379);

    public static readonly string StorageConnectionString = AzuriteBlobPort == 10000
        ? "UseDevelopmentStorage=true"
        : "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevelopmentAccountKey
            + $";BlobEndpoint=http://127.0.0.1:{AzuriteBlobPort}/devstoreaccount1"
            + $";QueueEndpoint=http://127.0.0.1:{AzuriteBlobPort + 1}/devstoreaccount1"
            + $";TableEndpoint=http://127.0.0.1:{AzuriteBlobPort + 2}/devstoreaccount1";

    public static readonly string RedisUri = $"redis://127.0.0.1:{RedisPort}";

    /// <summary>The same Redis as <see cref="RedisUri"/>, as a StackExchange.Redis configuration string.</summary>
    public static readonly string RedisConfiguration = $"127.0.0.1:{RedisPort}";

    private static int PortFromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65534
            ? port
            : fallback;

    private static readonly Lazy<string?> Problem = new(FindProblem);

    public static void EnsureRunning()
    {
        if (Problem.Value is { } problem)
        {
            throw new InvalidOperationException($"{problem} Start the local stack with scripts/test.sh (or scripts/dev.sh).");
        }
    }

    private static string? FindProblem()
    {
        foreach (var (name, port) in new[] { ("Azurite blob", AzuriteBlobPort), ("Azurite queue", AzuriteBlobPort + 1), ("Azurite table", AzuriteBlobPort + 2), ("Redis", RedisPort) })
        {
            if (!IsListening(port))
            {
                return $"{name} is not listening on 127.0.0.1:{port}.";
            }
        }

        return null;
    }

    public static bool IsListening(int port)
    {
        using var client = new TcpClient();
        try
        {
            return client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(2)) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    /// <summary>
    /// A port free now, for another process to listen on. It is taken below the kernel's ephemeral
    /// range, where bind(0) and outgoing connections take theirs: otherwise a connection made by a
    /// test running alongside can hold it before the other process binds it. In-process listeners
    /// bind port 0 instead.
    /// </summary>
    public static int FreePort()
    {
        var ephemeralStart = EphemeralRangeStart.Value;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(ephemeralStart - 12000, ephemeralStart);
            try
            {
                using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException($"No free port below {ephemeralStart} on 127.0.0.1.");
    }

    private static readonly Lazy<int> EphemeralRangeStart = new(() =>
    {
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        var first = File.Exists(RangeFile) ? File.ReadAllText(RangeFile).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0] : null;
        // Linux's default range starts at 32768; stay clear of Azurite (10000-10002) below.
        return int.TryParse(first, System.Globalization.CultureInfo.InvariantCulture, out var start) && start > 24000 ? start : 32768;
    });
}
