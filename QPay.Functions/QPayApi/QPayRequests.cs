using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace QPay.Functions.QPayApi;

/// <summary>
/// Sending one QPay request and reading its answer, shared by the API and auth clients: JSON
/// bodies through the source-generated context, QPay's error bodies and transport failures
/// turned into <see cref="QPayApiException"/>, one log line per call (endpoint, status,
/// duration; never a header or a body).
/// </summary>
internal static class QPayRequests
{
    /// <summary>Marks a request the resilience pipeline may retry (idempotent calls only).</summary>
    public static readonly HttpRequestOptionsKey<bool> Retryable = new("QPay.Retryable");

    /// <summary>The endpoint key of a request, for logs and errors.</summary>
    public static readonly HttpRequestOptionsKey<string> Endpoint = new("QPay.Endpoint");

    public static HttpRequestMessage Create(HttpMethod method, string path, string endpoint, bool retryable)
    {
        var request = new HttpRequestMessage(method, path);
        request.Options.Set(Retryable, retryable);
        request.Options.Set(Endpoint, endpoint);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    public static HttpRequestMessage WithJson<T>(this HttpRequestMessage request, T body, JsonTypeInfo<T> typeInfo)
    {
        request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, typeInfo));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return request;
    }

    public static async Task<T> SendAsync<T>(HttpClient http, HttpRequestMessage request, JsonTypeInfo<T> typeInfo, ILogger logger, CancellationToken cancellationToken)
    {
        using var response = await SendCheckedAsync(http, request, logger, cancellationToken).ConfigureAwait(false);
        var endpoint = EndpointOf(request);
        try
        {
            var body = await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false);
            return body ?? throw new QPayApiException(endpoint, response.StatusCode, "EMPTY_BODY", null, "QPay answered 200 without a body");
        }
        catch (JsonException exception)
        {
            throw new QPayApiException(endpoint, response.StatusCode, "MALFORMED_BODY", null, "QPay's answer is not the expected JSON", exception);
        }
    }

    /// <summary>Sends and answers the successful response; every failure becomes a <see cref="QPayApiException"/>.</summary>
    public static async Task<HttpResponseMessage> SendCheckedAsync(HttpClient http, HttpRequestMessage request, ILogger logger, CancellationToken cancellationToken)
    {
        var endpoint = EndpointOf(request);
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TimeoutRejectedException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.QPayCallFailed(logger, endpoint, "TIMEOUT", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw new QPayApiException(endpoint, null, "TIMEOUT", null, "QPay did not answer in time", exception);
        }
        catch (HttpRequestException exception)
        {
            Log.QPayCallFailed(logger, endpoint, "UNREACHABLE", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw new QPayApiException(endpoint, null, "UNREACHABLE", null, "QPay could not be reached", exception);
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.IsSuccessStatusCode)
        {
            Log.QPayCallSucceeded(logger, endpoint, (int)response.StatusCode, elapsed);
            return response;
        }

        using (response)
        {
            var error = QPayErrorBody.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            Log.QPayCallRejected(logger, endpoint, (int)response.StatusCode, error.Code ?? "none", elapsed);
            throw new QPayApiException(endpoint, response.StatusCode, error.Code, error.Field, error.Message);
        }
    }

    public static string EndpointOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(Endpoint, out var endpoint) ? endpoint : request.RequestUri?.ToString() ?? "?";

    public static bool IsRetryable(HttpRequestMessage? request) =>
        request is not null && request.Options.TryGetValue(Retryable, out var retryable) && retryable;
}
