using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using QPay.Sandbox.Api.Auth;
using QPay.Sandbox.Api.Ebarimt;
using QPay.Sandbox.Api.Invoices;
using QPay.Sandbox.Api.Payments;

namespace QPay.Sandbox.Api;

/// <summary>Maps QPay's merchant API v2 under <c>/v2</c>, each route tagged with its endpoint key.</summary>
internal static class QPayRoutes
{
    public static void MapQPayApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2");

        v2.MapPost("/auth/token", AuthEndpoints.Token).Key(EndpointKeys.Token, requiresAccessToken: false);
        v2.MapPost("/auth/refresh", AuthEndpoints.Refresh).Key(EndpointKeys.Refresh, requiresAccessToken: false);

        v2.MapPost("/invoice", InvoiceEndpoints.CreateAsync).Key(EndpointKeys.InvoiceCreate);
        v2.MapGet("/invoice/{invoiceId}", InvoiceEndpoints.Get).Key(EndpointKeys.InvoiceGet);
        v2.MapDelete("/invoice/{invoiceId}", InvoiceEndpoints.Cancel).Key(EndpointKeys.InvoiceCancel);

        v2.MapPost("/payment/check", PaymentEndpoints.CheckAsync).Key(EndpointKeys.PaymentCheck);
        v2.MapGet("/payment/{paymentId}", PaymentEndpoints.Get).Key(EndpointKeys.PaymentGet);
        v2.MapDelete("/payment/cancel/{paymentId}", PaymentEndpoints.CancelAsync).Key(EndpointKeys.PaymentCancel);
        v2.MapDelete("/payment/refund/{paymentId}", PaymentEndpoints.CancelAsync).Key(EndpointKeys.PaymentRefund);
        v2.MapPost("/payment/list", PaymentEndpoints.ListAsync).Key(EndpointKeys.PaymentList);

        v2.MapPost("/ebarimt_v3/create", EbarimtEndpoints.CreateAsync).Key(EndpointKeys.EbarimtCreate);
        v2.MapDelete("/ebarimt_v3/{paymentId}", EbarimtEndpoints.Cancel).Key(EndpointKeys.EbarimtCancel);
    }

    private static RouteHandlerBuilder Key(this RouteHandlerBuilder route, string key, bool requiresAccessToken = true) =>
        route.WithMetadata(new EndpointKey(key, requiresAccessToken));
}
