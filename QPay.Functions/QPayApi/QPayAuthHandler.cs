using System.Net;
using System.Net.Http.Headers;

namespace QPay.Functions.QPayApi;

/// <summary>
/// Puts the shared access token on every API call. A 401 means QPay no longer accepts it
/// (expired early, revoked): the token is renewed once across callers and the call sent once more.
/// </summary>
internal sealed class QPayAuthHandler(IQPayTokenProvider tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAccessTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        token = await tokens.RenewAfterRejectionAsync(token, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
