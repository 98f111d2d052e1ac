using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QPay.Functions.QPayApi;

/// <summary>
/// QPay's two token endpoints, on a named HttpClient of their own: no bearer handler in front,
/// and both calls may be retried (they create nothing a retry could duplicate).
/// </summary>
internal sealed class QPayAuthClient(IHttpClientFactory clients, IOptionsMonitor<QPayOptions> options, TimeProvider clock, ILogger<QPayAuthClient> logger)
{
    public const string LoginEndpoint = "token";
    public const string RefreshEndpoint = "refresh";

    /// <summary>POST /v2/auth/token with HTTP Basic client credentials.</summary>
    public async Task<QPayToken> LoginAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue; // current: the secret may have been rotated in Key Vault
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.ClientId}:{settings.ClientSecret}"));
        using var request = QPayRequests.Create(HttpMethod.Post, "auth/token", LoginEndpoint, retryable: true);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        var wire = await QPayRequests.SendAsync(clients.CreateClient(QPayServiceCollectionExtensions.AuthClientName), request, QPayJsonContext.Default.TokenResponseWire, logger, cancellationToken).ConfigureAwait(false);
        return QPayToken.From(wire, clock.GetUtcNow(), LoginEndpoint);
    }

    /// <summary>POST /v2/auth/refresh with the refresh token as bearer; QPay rotates it.</summary>
    public async Task<QPayToken> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        using var request = QPayRequests.Create(HttpMethod.Post, "auth/refresh", RefreshEndpoint, retryable: true);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refreshToken);
        var wire = await QPayRequests.SendAsync(clients.CreateClient(QPayServiceCollectionExtensions.AuthClientName), request, QPayJsonContext.Default.TokenResponseWire, logger, cancellationToken).ConfigureAwait(false);
        return QPayToken.From(wire, clock.GetUtcNow(), RefreshEndpoint);
    }
}
