using System.Diagnostics.CodeAnalysis;
using StackExchange.Redis;

namespace QPay.Functions.Storage;

/// <summary>
/// Turns <c>redis://[user:password@]host:port[/db]</c> or <c>rediss://…</c> (TLS) into
/// StackExchange.Redis options tuned for a payment path: never block start-up on Redis, fail
/// fast while it is down (callers fall back to Table Storage) and reconnect in the background.
/// </summary>
public static class RedisUri
{
    public static bool TryParse(string value, [NotNullWhen(true)] out ConfigurationOptions? options, out string error)
    {
        options = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != "redis" && uri.Scheme != "rediss")
            || string.IsNullOrEmpty(uri.Host))
        {
            error = "must look like redis://host:port or rediss://:password@host:port.";
            return false;
        }

        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, out database) || database < 0))
        {
            error = "has a database path that is not a non-negative number.";
            return false;
        }

        options = new ConfigurationOptions
        {
            Ssl = uri.Scheme == "rediss",
            DefaultDatabase = database,
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = 2_000,
            SyncTimeout = 2_000,
            AsyncTimeout = 2_000,
            ConnectRetry = 1,
            ReconnectRetryPolicy = new LinearRetry(1_000),
            ClientName = "qpay-functions",
        };
        options.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : 6379);
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            var user = Uri.UnescapeDataString(parts[0]);
            options.User = user.Length > 0 ? user : null;
            options.Password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
        }

        error = string.Empty;
        return true;
    }
}
