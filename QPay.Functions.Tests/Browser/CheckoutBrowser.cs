using System.Diagnostics;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using QPay.Functions.Tests.EndToEnd;

namespace QPay.Functions.Tests.Browser;

/// <summary>
/// One end-to-end stack (the compiled worker on the repository's Functions host, the sandbox, Azurite,
/// Redis) and one headless Chromium (Debian's chromium and chromium-driver, which scripts/test.sh
/// installs) shared by the checkout browser tests. Screenshots go to <see cref="ArtifactsDirectory"/>.
/// </summary>
public sealed class CheckoutBrowser : IAsyncLifetime
{
    public const string ChromiumBinary = "/usr/bin/chromium";
    public const string ChromeDriverBinary = "/usr/bin/chromedriver";

    /// <summary>bin/&lt;configuration&gt;/net10.0/artifacts/checkout of the test project.</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "checkout");

    public EndToEndStack Stack { get; } = new();

    public ChromeDriver Driver { get; private set; } = null!;

    public Uri BaseAddress => Stack.Host.BaseAddress;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumBinary) && File.Exists(ChromeDriverBinary),
            "Chromium is missing: scripts/test.sh installs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver).");
        Directory.CreateDirectory(ArtifactsDirectory);
        await Stack.InitializeAsync();
        var options = new ChromeOptions { BinaryLocation = ChromiumBinary };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000", "--lang=en-US");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverBinary)!, Path.GetFileName(ChromeDriverBinary));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    public async Task DisposeAsync()
    {
        Driver?.Quit();
        Driver?.Dispose();
        await Stack.DisposeAsync();
    }

    /// <summary>Signs the browser in as <paramref name="userId"/>: the access_token cookie on the app's origin.</summary>
    public void SignIn(string userId)
    {
        Driver.Navigate().GoToUrl(new Uri(BaseAddress, "checkout/checkout.css"));
        Driver.Manage().Cookies.DeleteAllCookies();
        Driver.Manage().Cookies.AddCookie(new Cookie("access_token", Infrastructure.TestJwt.For(userId), "/"));
    }

    public void Open(string sessionId, string lang = "en") =>
        Driver.Navigate().GoToUrl(new Uri(BaseAddress, $"checkout/?sessionId={Uri.EscapeDataString(sessionId)}&lang={lang}"));

    /// <summary>The status the widget shows (its root's data-status), or null before the first answer.</summary>
    public string? ShownStatus() => Driver.ExecuteScript("return document.getElementById('checkout')?.dataset.status ?? null") as string;

    public Task WaitForStatusAsync(string status, TimeSpan? patience = null) =>
        UntilAsync(() => ShownStatus() == status, $"the page to show {status} (it shows {ShownStatus() ?? "nothing"}: {Text("[data-qpay=status]")})", patience);

    public string Text(string css) => Driver.FindElements(By.CssSelector(css)).FirstOrDefault()?.Text ?? "";

    public bool Exists(string css) => Driver.FindElements(By.CssSelector(css)).Count > 0;

    /// <summary>GET /payments/qpay/status requests this page made since it loaded (the browser's resource timings).</summary>
    public long StatusRequests() => (long)Driver.ExecuteScript(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/payments/qpay/status')).length;")!;

    public void Screenshot(string name) =>
        Driver.GetScreenshot().SaveAsFile(Path.Combine(ArtifactsDirectory, name + ".png"));

    public async Task UntilAsync(Func<bool> done, string what, TimeSpan? patience = null)
    {
        var watch = Stopwatch.StartNew();
        var limit = patience ?? TimeSpan.FromSeconds(30);
        while (!done())
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {what}.");
            }

            await Task.Delay(200);
        }
    }
}
