using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using QPay.Sandbox.Auth;
using QPay.Sandbox.Control;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Hosting;
using QPay.Sandbox.Stats;

namespace QPay.Sandbox;

/// <summary>
/// An in-process QPay sandbox for tests: QPay's merchant API under <c>{BaseUrl}/v2</c>, the control API under
/// <c>{BaseUrl}/sandbox</c>. Start one per test (it binds a free loopback port) and dispose it afterwards.
/// </summary>
public sealed class QPaySandbox : IAsyncDisposable
{
    private readonly WebApplication _app;

    private QPaySandbox(WebApplication app, Uri baseUrl, SandboxOptions options)
    {
        _app = app;
        BaseUrl = baseUrl;
        Options = options;
        State = app.Services.GetRequiredService<SandboxState>();
    }

    /// <summary>Where the sandbox listens, e.g. <c>http://127.0.0.1:54321</c> (no trailing path).</summary>
    public Uri BaseUrl { get; }

    public SandboxOptions Options { get; }

    /// <summary>Invoices, payments and callback deliveries, for assertions.</summary>
    public SandboxState State { get; }

    /// <summary>Calls per endpoint key so far, e.g. <c>{"token":1,"payment.check":3}</c>.</summary>
    public IReadOnlyDictionary<string, int> Stats => _app.Services.GetRequiredService<CallStats>().Snapshot();

    /// <summary>
    /// The same as <c>GET /sandbox/stats/invoices</c>: per invoice id, per endpoint key, when each call
    /// naming that invoice arrived (<c>invoice.get</c>, <c>invoice.cancel</c>, and <c>payment.check</c> /
    /// <c>payment.list</c> with <c>object_type</c> INVOICE), faulted and unauthorized calls included.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>>> InvoiceCalls =>
        _app.Services.GetRequiredService<CallStats>().InvoiceSnapshot();

    /// <summary>
    /// Starts a sandbox on 127.0.0.1 at a free port, or at <see cref="SandboxOptions.Port"/> /
    /// <see cref="SandboxOptions.Url"/> when given.
    /// </summary>
    public static async Task<QPaySandbox> StartAsync(SandboxOptions? options = null, CancellationToken ct = default)
    {
        options ??= new SandboxOptions();
        var app = SandboxApp.Build(options, []);
        app.Urls.Clear();
        app.Urls.Add(options.Url ?? $"http://127.0.0.1:{options.Port}");
        try
        {
            await app.StartAsync(ct);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new QPaySandbox(app, new Uri(address), options);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>The same as <c>POST /sandbox/faults</c>.</summary>
    public void AddFault(FaultRule fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        _app.Services.GetRequiredService<FaultInjector>().Add(fault);
    }

    /// <summary>The same as <c>DELETE /sandbox/faults</c>: the faults not yet hit are dropped.</summary>
    public void ClearFaults() => _app.Services.GetRequiredService<FaultInjector>().Clear();

    /// <summary>The same as <c>POST /sandbox/tokens/expire</c>: revokes every issued access and refresh token.</summary>
    public void ExpireTokens() => _app.Services.GetRequiredService<TokenIssuer>().RevokeAll();

    /// <summary>The same as <c>POST /sandbox/reset</c>.</summary>
    public void Reset() => _app.Services.GetRequiredService<SandboxResetter>().Reset();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
