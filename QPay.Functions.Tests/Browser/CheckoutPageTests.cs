using System.Net;
using System.Text.Json;
using OpenQA.Selenium;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Tests.EndToEnd;
using QPay.Functions.Tests.FunctionsHost;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Browser;

/// <summary>
/// The checkout page in headless Chromium against the real worker and the sandbox: what a customer
/// sees from the QR to the end state. Each test leaves a screenshot in <see cref="CheckoutBrowser.ArtifactsDirectory"/>.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class CheckoutPageTests(CheckoutBrowser browser) : IClassFixture<CheckoutBrowser>
{
    private EndToEndStack Stack => browser.Stack;

    [Fact]
    public async Task Paying_in_the_sandbox_shows_processed_with_the_order_ids()
    {
        var user = User("web-pay");
        var (sessionId, invoiceId) = await Stack.SeedAsync(user);
        browser.SignIn(user);
        browser.Open(sessionId);
        await browser.WaitForStatusAsync("PENDING");
        var amount = browser.Text("[data-qpay=amount]");

        await Stack.PayAsync(invoiceId);
        await browser.WaitForStatusAsync("PROCESSED", TimeSpan.FromSeconds(60));
        browser.Screenshot("pay-processed");

        Assert.Contains("79,900", amount, StringComparison.Ordinal);
        var shown = browser.Driver.FindElements(By.CssSelector("[data-qpay=orders] li")).Select(e => e.Text).ToList();
        Assert.Equal(OrderIds.For(invoiceId, ["shop-a", "shop-b"]), shown);
        Assert.Equal("Payment complete. Thank you!", browser.Text("[data-qpay=status]"));
        Assert.False(browser.Exists("[data-qpay=cancel]"));
    }

    [Fact]
    public async Task The_cancel_button_cancels_the_session()
    {
        var user = User("web-cancel");
        var (sessionId, _) = await Stack.SeedAsync(user);
        browser.SignIn(user);
        browser.Open(sessionId);
        await browser.WaitForStatusAsync("PENDING");

        browser.Driver.FindElement(By.CssSelector("[data-qpay=cancel]")).Click();
        await browser.WaitForStatusAsync("CANCELLED");
        browser.Screenshot("cancelled");

        var status = await Stack.WaitForStatusAsync(user, sessionId, "CANCELLED");
        Assert.True(status.TryGetProperty("cancelledAt", out _));
        Assert.True(browser.Exists("[data-qpay=restart]"));
    }

    [Fact]
    public async Task A_reload_mid_payment_shows_the_same_qr_bank_links_and_short_url()
    {
        var user = User("web-reload");
        var (sessionId, invoiceId) = await Stack.SeedAsync(user);
        var invoice = Stack.Sandbox.State.FindInvoice(invoiceId)!;
        browser.SignIn(user);
        browser.Open(sessionId);
        await browser.WaitForStatusAsync("PENDING");
        await browser.UntilAsync(() => browser.Exists("[data-qpay=qr]"), "the QR (the status answer's invoice.qrImage)");
        var before = browser.Driver.FindElement(By.CssSelector("[data-qpay=qr]")).GetAttribute("src");

        browser.Driver.Navigate().Refresh();
        await browser.WaitForStatusAsync("PENDING");
        await browser.UntilAsync(() => browser.Exists("[data-qpay=qr]"), "the QR after the reload");
        browser.Screenshot("reload-pending");

        Assert.Equal(before, browser.Driver.FindElement(By.CssSelector("[data-qpay=qr]")).GetAttribute("src"));
        Assert.StartsWith("data:image/png;base64,", before, StringComparison.Ordinal);
        Assert.Equal(invoice.ShortUrl, browser.Text("[data-qpay=short-url]"));
        Assert.NotEmpty(browser.Driver.FindElements(By.CssSelector("[data-qpay=banks] a[href]")));
    }

    [Fact]
    public async Task On_a_phone_the_page_is_in_mongolian_and_never_scrolls_sideways()
    {
        var user = User("web-phone");
        var (sessionId, _) = await Stack.SeedAsync(user);
        browser.SignIn(user);
        var window = browser.Driver.Manage().Window;
        var desktop = window.Size;
        window.Size = new System.Drawing.Size(390, 844);
        try
        {
            browser.Driver.Navigate().GoToUrl(new Uri(browser.BaseAddress, $"checkout/?sessionId={sessionId}"));
            await browser.WaitForStatusAsync("PENDING");
            await Task.Delay(500); // images and fonts laid out
            browser.Screenshot("phone-390x844");

            var (scrollWidth, innerWidth) = ((long)browser.Driver.ExecuteScript("return document.documentElement.scrollWidth")!,
                (long)browser.Driver.ExecuteScript("return window.innerWidth")!);
            Assert.True(scrollWidth <= innerWidth, $"the page is {scrollWidth} px wide in a {innerWidth} px viewport");
            Assert.Equal("Төлбөр хүлээж байна", browser.Text("[data-qpay=status]"));
            Assert.Equal("mn", browser.Driver.ExecuteScript("return document.documentElement.lang"));
            var live = browser.Driver.FindElement(By.CssSelector("[data-qpay=status]"));
            Assert.Equal("status", live.GetAttribute("role"));
            Assert.Equal("polite", live.GetAttribute("aria-live"));
        }
        finally
        {
            window.Size = desktop;
        }
    }

    [Fact]
    public async Task The_countdown_reaches_expired_and_a_minute_of_waiting_costs_at_most_five_status_requests()
    {
        var user = User("web-expiry");
        var seed = $$$"""{"sessionData":{"userId":"{{{user}}}","ttlSec":60,"cart":[{"productId":"677e7b5c8f9a1b2c3d4e5f6a","quantity":1,"sale_price":100,"shopId":"shop1"}],"sellers":["shop1"],"totalAmount":100}}""";
        using var seeded = await Stack.App.SendAsync(EndToEndStack.Internal(HttpMethod.Post, "order/api/internal/payments/qpay/seed-session",
            new StringContent(seed, System.Text.Encoding.UTF8, "application/json")));
        var body = await seeded.Content.ReadAsStringAsync();
        Assert.True(seeded.StatusCode == HttpStatusCode.OK, body);
        var sessionId = JsonDocument.Parse(body).RootElement.GetProperty("sessionId").GetString()!;
        browser.SignIn(user);
        browser.Open(sessionId);
        await browser.WaitForStatusAsync("PENDING");
        var opened = DateTime.UtcNow;

        await browser.WaitForStatusAsync("EXPIRED", TimeSpan.FromSeconds(75)); // the countdown's end, on screen
        var wait = DateTime.UtcNow - opened;
        await Task.Delay(TimeSpan.FromSeconds(60) - wait is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        var requests = browser.StatusRequests();
        browser.Screenshot("countdown-expired");

        // The reconciler (its timer, run as its schedule would) expires the session on the server too.
        await ExpireAsync(sessionId);
        var status = await Stack.WaitForStatusAsync(user, sessionId, "EXPIRED");

        Assert.InRange(wait, TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(75));
        Assert.True(browser.Exists("[data-qpay=restart]"));
        Assert.Equal("EXPIRED", status.GetProperty("status").GetString());
        Assert.True(requests <= 5, $"the page made {requests} status requests in a minute of waiting (live status waits 25 s a request)");
    }

    [Fact]
    public async Task The_demo_page_seeds_a_demo_cart_and_opens_its_checkout()
    {
        browser.Driver.Manage().Cookies.DeleteAllCookies();
        browser.Driver.Navigate().GoToUrl(new Uri(browser.BaseAddress, "checkout/demo?lang=en"));
        await browser.WaitForStatusAsync("PENDING");
        browser.Screenshot("demo-pending");

        var url = new Uri(browser.Driver.Url);
        Assert.Equal("/checkout/", url.AbsolutePath);
        var sessionId = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url.Query)["sessionId"].ToString();
        var status = await Stack.WaitForStatusAsync(CheckoutWidget.DemoCheckout.DemoUserId, sessionId, "PENDING");
        Assert.Equal(25.5m * 3400m, status.GetProperty("expectedAmount").GetDecimal()); // two mugs and a tea, no coupon, at the local rate
        var cookie = browser.Driver.Manage().Cookies.GetCookieNamed("access_token");
        Assert.NotNull(cookie);
        Assert.True(cookie.IsHttpOnly);
    }

    [Fact]
    public async Task An_embedding_page_mounts_the_widget_with_a_bearer_token_and_no_cookie()
    {
        var user = User("web-embed");
        var (sessionId, _) = await Stack.SeedAsync(user);
        browser.Driver.Navigate().GoToUrl(new Uri(browser.BaseAddress, "checkout/checkout.css"));
        browser.Driver.Manage().Cookies.DeleteAllCookies();

        // As a marketplace page would: import the module and hand it the session and the user's token.
        browser.Driver.ExecuteAsyncScript("""
            const [sessionId, token, done] = arguments;
            import('/checkout/widget.js').then(({ mountCheckout }) => {
              document.body.innerHTML = '<div id="checkout"></div>';
              mountCheckout(document.getElementById('checkout'), { sessionId, token, lang: 'en' });
              done();
            });
            """, sessionId, TestJwt.For(user));
        await browser.WaitForStatusAsync("PENDING");
        browser.Screenshot("embedded-bearer");

        Assert.Null(browser.Driver.Manage().Cookies.GetCookieNamed("access_token"));
        Assert.Equal("Waiting for your payment", browser.Text("[data-qpay=status]"));
        Assert.Contains("79,900", browser.Text("[data-qpay=amount]"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("checkout/?sessionId=x", "text/html", "no-cache")]
    [InlineData("checkout/widget.js", "text/javascript", "public, max-age=300")]
    [InlineData("checkout/checkout.js", "text/javascript", "public, max-age=300")]
    [InlineData("checkout/checkout.css", "text/css", "public, max-age=300")]
    public async Task Checkout_files_are_served_with_their_content_type_caching_and_etag(string path, string contentType, string cacheControl)
    {
        using var response = await Stack.App.GetAsync(path);
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag?.ToString());
        using var revalidated = await Stack.App.SendAsync(again);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(cacheControl, response.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Theory]
    [InlineData("checkout/..%2Fhost.json")]
    [InlineData("checkout/%2E%2E/host.json")]
    [InlineData("checkout/../host.json")]
    [InlineData("checkout/widget.js/..%2F..%2Fhost.json")]
    [InlineData("checkout/QPay.Functions.dll")]
    public async Task Nothing_outside_the_checkout_files_is_served(string path)
    {
        using var response = await Stack.App.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("routePrefix", body, StringComparison.Ordinal); // host.json's text
    }

    [Fact]
    public async Task A_marketplace_origin_from_host_cors_may_call_the_status_route_with_credentials()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "payments/qpay/status?sessionId=x");
        preflight.Headers.Add("Origin", "http://localhost:3000");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var allowed = await Stack.App.SendAsync(preflight);
        using var stranger = new HttpRequestMessage(HttpMethod.Get, "checkout/widget.js");
        stranger.Headers.Add("Origin", "https://evil.example");
        using var refused = await Stack.App.SendAsync(stranger);

        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("http://localhost:3000", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Equal("authorization", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single());
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task ExpireAsync(string sessionId)
    {
        var sessions = new Azure.Data.Tables.TableClient(LocalStack.StorageConnectionString, QPay.Functions.Storage.StorageNames.PaymentSessionsTable);
        await Eventually.UntilAsync(async () =>
        {
            var timer = await Stack.Host.RunTimerAsync("ReconcilePayments");
            Assert.True(timer.Succeeded, timer.ExceptionMessage);
            var row = await sessions.GetEntityAsync<Azure.Data.Tables.TableEntity>(sessionId, "session");
            return row.Value.GetString("Status") == "Expired";
        }, "the reconciler to expire the session");
    }

    private static string User(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];
}
