using System.Diagnostics;
using Microsoft.Extensions.Logging;
using QPay.Sandbox.Hosting;

namespace QPay.Sandbox.Callbacks;

/// <summary>
/// Calls the merchant back as QPay does: an unsigned HTTP GET on the callback_url exactly as given,
/// with <c>qpay_payment_id=&lt;payment_id&gt;</c> appended after <c>?</c> or <c>&amp;</c>. Each delivery is
/// recorded on the payment with its status, body and time; the merchant should answer 200 <c>SUCCESS</c>.
/// </summary>
internal sealed class CallbackSender : IDisposable
{
    private const int MaxBodyChars = 4096;

    private readonly HttpClient _http;
    private readonly SandboxState _state;
    private readonly TimeProvider _clock;
    private readonly ILogger<CallbackSender> _logger;

    public CallbackSender(SandboxOptions options, SandboxState state, ILogger<CallbackSender> logger)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            Timeout = options.CallbackTimeout,
        };
        _state = state;
        _clock = options.Clock;
        _logger = logger;
    }

    public static string UrlFor(string callbackUrl, string paymentId)
    {
        var separator = callbackUrl.Contains('?', StringComparison.Ordinal)
            ? callbackUrl.EndsWith('?') || callbackUrl.EndsWith('&') ? "" : "&"
            : "?";
        return $"{callbackUrl}{separator}qpay_payment_id={Uri.EscapeDataString(paymentId)}";
    }

    /// <summary>Sends <paramref name="times"/> identical callbacks one after another, each after the previous one answered.</summary>
    public async Task<IReadOnlyList<CallbackDelivery>> DeliverAsync(string callbackUrl, string paymentId, int times, CancellationToken cancellationToken)
    {
        var url = UrlFor(callbackUrl, paymentId);
        var deliveries = new List<CallbackDelivery>(times);
        for (var i = 0; i < times; i++)
        {
            var delivery = await SendAsync(url, paymentId, cancellationToken);
            _state.AddCallback(delivery);
            deliveries.Add(delivery);
        }

        return deliveries;
    }

    public void Dispose() => _http.Dispose();

    private async Task<CallbackDelivery> SendAsync(string url, string paymentId, CancellationToken cancellationToken)
    {
        var at = _clock.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var target = LoggableTarget(url);
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var delivery = new CallbackDelivery
            {
                PaymentId = paymentId,
                Url = url,
                At = at,
                Status = (int)response.StatusCode,
                Body = body.Length <= MaxBodyChars ? body : body[..MaxBodyChars],
                DurationMs = ElapsedMs(started),
            };
            Log.CallbackAnswered(_logger, target, paymentId, delivery.Status.Value, delivery.DurationMs, delivery.Acknowledged);
            return delivery;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = e is TaskCanceledException ? "timed out" : e.Message;
            Log.CallbackFailed(_logger, target, paymentId, ElapsedMs(started), reason);
            return new CallbackDelivery
            {
                PaymentId = paymentId,
                Url = url,
                At = at,
                Error = reason,
                DurationMs = ElapsedMs(started),
            };
        }
    }

    private static long ElapsedMs(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    /// <summary>Scheme, host and path only: the query holds the merchant's callback secret.</summary>
    private static string LoggableTarget(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : "(invalid url)";
}
