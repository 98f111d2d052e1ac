using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QPay.Functions.QPayApi;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>The real QPay client over a stub handler, for tests of how QPay's bodies are read.</summary>
internal static class StubQPayClient
{
    public static readonly IOptions<QPayOptions> Options = Microsoft.Extensions.Options.Options.Create(new QPayOptions
    {
        BaseUrl = "https://merchant.qpay.mn",
        ClientId = "client",
        ClientSecret = "secret",
        InvoiceCode = "TEST_INVOICE",
    });

    public static QPayClient Over(HttpMessageHandler handler) =>
        new(new HttpClient(handler) { BaseAddress = Options.Value.ApiRoot }, Options, NullLogger<QPayClient>.Instance);

    /// <summary>A client whose every call is answered with <paramref name="body"/> (200, JSON).</summary>
    public static QPayClient Answering(string body) => Over(new StubHttpHandler(_ => StubHttpHandler.Json(body)));
}
