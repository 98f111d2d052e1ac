namespace QPay.Sandbox.Api;

/// <summary>Names of the /v2 endpoints, shared by faults and stats.</summary>
public static class EndpointKeys
{
    public const string Token = "token";
    public const string Refresh = "refresh";
    public const string InvoiceCreate = "invoice.create";
    public const string InvoiceGet = "invoice.get";
    public const string InvoiceCancel = "invoice.cancel";
    public const string PaymentCheck = "payment.check";
    public const string PaymentGet = "payment.get";
    public const string PaymentCancel = "payment.cancel";
    public const string PaymentRefund = "payment.refund";
    public const string PaymentList = "payment.list";
    public const string EbarimtCreate = "ebarimt.create";
    public const string EbarimtCancel = "ebarimt.cancel";

    public static IReadOnlyList<string> All { get; } =
    [
        Token, Refresh, InvoiceCreate, InvoiceGet, InvoiceCancel, PaymentCheck, PaymentGet,
        PaymentCancel, PaymentRefund, PaymentList, EbarimtCreate, EbarimtCancel,
    ];
}

/// <summary>Endpoint metadata naming a /v2 endpoint and whether it needs a bearer access token.</summary>
internal sealed record EndpointKey(string Key, bool RequiresAccessToken);
