namespace QPay.Functions.QPayApi;

/// <summary>
/// Reads each QPay answer's body inside the resilience pipeline (it is the innermost handler), so the attempt's
/// and the call's timeouts cover the body too. Otherwise HttpClient reads it after the pipeline has returned, under
/// the caller's token only (often none): a body that stalls after its headers held the call open, and with it the
/// lease of the receipt or refund it runs under, past the bound <see cref="QPayOptions.LeaseFloor"/> counts on.
/// </summary>
internal sealed class QPayResponseBuffering : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
