namespace QPay.Sandbox;

/// <summary>
/// Settings of one sandbox instance. The defaults are QPay's published sandbox merchant
/// (TEST_MERCHANT / 123456, invoice code TEST_INVOICE, merchant KKTT) and QPay's 24 h token.
/// </summary>
public sealed class SandboxOptions
{
    /// <summary>Drives token issue and expiry, invoice and payment dates. Inject a fake clock in tests.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Token lifetime: <c>expires_in</c> and <c>refresh_expires_in</c> are issue time + this, in epoch seconds.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(86_400);

    /// <summary>Extra identical callbacks sent after the first one answered, unless a pay call says otherwise.</summary>
    public int DefaultCallbackDuplicates { get; set; } = 1;

    /// <summary>When set, a second invoice with an existing <c>sender_invoice_no</c> is refused (409). Off, as QPay appears to be.</summary>
    public bool RejectDuplicateSenderInvoiceNo { get; set; }

    /// <summary>Answer a missing or bad bearer with production's <c>NO_CREDENTIALS</c> instead of the sandbox's <c>NO_CREDENDIALS</c>.</summary>
    public bool UseNoCredentialsSpelling { get; set; }

    private volatile bool _ebarimtRegistered = true;

    /// <summary>
    /// Whether the merchant is registered for Ebarimt (e-receipts). On by default. When off,
    /// <c>POST /v2/ebarimt_v3/create</c> answers 400 <c>{"error":"EBARIMT_NOT_REGISTERED","message":"EBARIMT_NOT_REGISTERED"}</c>
    /// for every body that passes validation (a malformed or invalid body still gets its own 400 first) and creates
    /// nothing; <c>DELETE /v2/ebarimt_v3/{payment_id}</c> is not affected. Settable at start
    /// (<c>--Sandbox:EbarimtRegistered=false</c> when standalone), while running through this property or the control API
    /// <c>POST /sandbox/ebarimt {"registered": false}</c> (<c>GET /sandbox/ebarimt</c> shows it);
    /// <c>POST /sandbox/reset</c> puts back the value the sandbox started with.
    /// </summary>
    public bool EbarimtRegistered
    {
        get => _ebarimtRegistered;
        set => _ebarimtRegistered = value;
    }

    public string ClientId { get; set; } = "TEST_MERCHANT";

    public string ClientSecret { get; set; } = "123456";

    public string InvoiceCode { get; set; } = "TEST_INVOICE";

    /// <summary>The <c>merchant_id</c> claim of access tokens.</summary>
    public string MerchantId { get; set; } = "KKTT";

    /// <summary>The token body's <c>session_state</c>.</summary>
    public string SessionState { get; set; } = "sandbox";

    /// <summary>Timeout of one callback delivery.</summary>
    public TimeSpan CallbackTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Port on 127.0.0.1 for <see cref="QPaySandbox.StartAsync"/>; 0 picks a free one. Ignored when <see cref="Url"/> is set.</summary>
    public int Port { get; set; }

    /// <summary>Full listen URL (e.g. <c>http://127.0.0.1:7080</c>) for <see cref="QPaySandbox.StartAsync"/>.</summary>
    public string? Url { get; set; }

    /// <summary>Writes one short console line per request (method, path, status, time). Never headers, queries or bodies.</summary>
    public bool LogRequests { get; set; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Clock);
        if (TokenLifetime <= TimeSpan.Zero)
        {
            throw new ArgumentException("TokenLifetime must be positive.", nameof(TokenLifetime));
        }

        if (DefaultCallbackDuplicates < 0)
        {
            throw new ArgumentException("DefaultCallbackDuplicates must be 0 or more.", nameof(DefaultCallbackDuplicates));
        }

        if (CallbackTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("CallbackTimeout must be positive.", nameof(CallbackTimeout));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException("Port must be between 0 and 65535.", nameof(Port));
        }

        foreach (var (name, value) in new[]
                 {
                     (nameof(ClientId), ClientId), (nameof(ClientSecret), ClientSecret),
                     (nameof(InvoiceCode), InvoiceCode), (nameof(MerchantId), MerchantId),
                 })
        {
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"{name} must not be empty.", name);
            }
        }
    }
}
