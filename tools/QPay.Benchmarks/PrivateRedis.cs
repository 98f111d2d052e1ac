using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QPay.Benchmarks;

/// <summary>
/// A redis-server of the cost phase's own, on a free port: its command statistics then count the
/// phase's worker and nothing else on the machine (the shared Redis on 6379 serves other runs and tests).
/// </summary>
internal sealed class PrivateRedis : IAsyncDisposable
{
    private readonly Process _process;

    private PrivateRedis(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The worker's REDIS_DATABASE_URI for this server.</summary>
    public string Uri => $"redis://127.0.0.1:{Port}";

    public static async Task<PrivateRedis> StartAsync()
    {
        var free = FreePorts.Take(1)[0];
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", free.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"the cost phase starts a redis-server of its own and could not: {e.Message}", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new PrivateRedis(process, free);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await redis.CommandStatsAsync();
                return redis;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await redis.DisposeAsync();
        throw new InvalidOperationException($"redis-server did not listen on 127.0.0.1:{free}");
    }

    /// <summary>
    /// Calls per command since the server started (<c>INFO commandstats</c>), over a raw connection
    /// that sends nothing else: only its own <c>info</c> calls are the benchmark's.
    /// </summary>
    public async Task<Dictionary<string, long>> CommandStatsAsync()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("INFO commandstats\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var header = await reader.ReadLineAsync() ?? throw new InvalidOperationException("Redis closed the connection");
        var length = int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture);
        var body = new char[length];
        var read = 0;
        while (read < length)
        {
            var n = await reader.ReadAsync(body.AsMemory(read));
            read += n > 0 ? n : throw new InvalidOperationException("Redis closed the connection");
        }

        // cmdstat_get:calls=12,usec=40,usec_per_call=3.33,rejected_calls=0,failed_calls=0
        var stats = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in new string(body).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal) && line.IndexOf(":calls=", StringComparison.Ordinal) is var at and > 0)
            {
                var calls = line[(at + ":calls=".Length)..].Split(',')[0];
                stats[line["cmdstat_".Length..at]] = long.Parse(calls, CultureInfo.InvariantCulture);
            }
        }

        return stats;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
