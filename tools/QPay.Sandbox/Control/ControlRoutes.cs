using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using QPay.Sandbox.Auth;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Stats;

namespace QPay.Sandbox.Control;

/// <summary>The sandbox's own control API under <c>/sandbox</c>: not QPay's, for tests and local runs. No auth.</summary>
internal static class ControlRoutes
{
    public static void MapControlApi(this IEndpointRouteBuilder app)
    {
        var sandbox = app.MapGroup("/sandbox");

        sandbox.MapPost("/invoices/{invoiceId}/pay", PayEndpoint.PayAsync);

        sandbox.MapGet("/invoices", (SandboxState state) =>
            ControlResults.Ok(state.Invoices.Select(InvoiceView.From).ToList()));

        sandbox.MapGet("/invoices/{invoiceId}", (string invoiceId, SandboxState state) =>
            state.FindInvoice(invoiceId) is { } invoice
                ? ControlResults.Ok(InvoiceView.From(invoice))
                : ControlResults.NotFound($"No invoice {invoiceId}."));

        sandbox.MapPost("/faults", FaultsEndpoint.AddAsync);
        sandbox.MapGet("/faults", (FaultInjector faults) => ControlResults.Ok(faults.Pending()));
        sandbox.MapDelete("/faults", (FaultInjector faults) =>
        {
            faults.Clear();
            return ControlResults.Ok(new { cleared = true });
        });

        sandbox.MapGet("/ebarimt", EbarimtRegistrationEndpoint.Get);
        sandbox.MapPost("/ebarimt", EbarimtRegistrationEndpoint.SetAsync);

        sandbox.MapPost("/tokens/expire", (TokenIssuer tokens) => ControlResults.Ok(new { revoked = tokens.RevokeAll() }));

        sandbox.MapGet("/stats", (CallStats stats) => ControlResults.Ok(stats.Snapshot()));
        sandbox.MapGet("/stats/invoices", (CallStats stats) => ControlResults.Ok(stats.InvoiceSnapshot()));

        sandbox.MapPost("/reset", (SandboxResetter resetter) =>
        {
            resetter.Reset();
            return ControlResults.Ok(new { reset = true });
        });
    }
}
