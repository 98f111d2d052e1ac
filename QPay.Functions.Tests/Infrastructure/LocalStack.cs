using System.Net.Sockets;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>
/// The shared local services every integration test uses: Azurite (10000-10002) and Redis (6379)
/// on loopback, started by scripts/test.sh. A missing one fails the test with what to do.
/// </summary>
internal static class LocalStack
{
    public const string StorageConnectionString = "UseDevelopmentStorage=true";
    public const string RedisUri = "redis://127.0.0.1:6379";

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
        foreach (var (name, port) in new[] { ("Azurite blob", 10000), ("Azurite queue", 10001), ("Azurite table", 10002), ("Redis", 6379) })
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

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
