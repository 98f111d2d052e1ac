namespace QPay.Functions.Storage;

/// <summary>
/// Every Redis key the app uses, named here and nowhere else, so that two features can never
/// collide and an operator finds them all in one place (README, Troubleshooting).
/// </summary>
public static class RedisKeys
{
    /// <summary>The signed cached copy of a payment session (TTL: the session's life).</summary>
    public const string SessionPrefix = "payment-session:";

    /// <summary>
    /// A short lock per session (so per invoice: a session has one) in front of QPay's <c>payment/check</c>:
    /// <c>{payment-session:&lt;sessionId&gt;}:check-lock</c>. Its hash tag is the session copy's whole key, so
    /// both are in one hash slot and one script reads the copy and takes the lock (a cluster refuses a
    /// script whose keys are in different slots).
    /// </summary>
    public const string CheckLockSuffix = "}:check-lock";

    /// <summary>A short lock per session while its refunds are carried out (saves QPay duplicate checks).</summary>
    public const string RefundLockPrefix = "qpay:refund-lock:";

    /// <summary>
    /// Fixed rate-limit windows, named <c>qpay:rate:&lt;limit&gt;:&lt;partition&gt;</c> here. RedisRateLimiting stores
    /// each under <c>rl:fw:{&lt;that name&gt;}</c> (and its expiry under <c>…:exp</c>), so that is what a scan finds.
    /// </summary>
    public const string RateLimitPrefix = "qpay:rate:";

    /// <summary>The QPay access token every instance shares; <see cref="TokenLock"/> guards its renewal.</summary>
    public const string QPayToken = "qpay:access_token";

    public static string Session(string sessionId) => SessionPrefix + sessionId;

    public static string CheckLock(string sessionId) => "{" + Session(sessionId) + CheckLockSuffix;

    public static string RefundLock(string sessionId) => RefundLockPrefix + sessionId;

    public static string RateLimit(string limit, string partition) => $"{RateLimitPrefix}{limit}:{partition}";

    /// <summary>The renewal lock of a token key (tests give each harness a token key of its own).</summary>
    public static string TokenLock(string tokenKey) => tokenKey + ":lock";

    /// <summary>The admin "check now" window of a session: set (NX, with the window as TTL) by the check that may ask QPay.</summary>
    public const string CheckNowPrefix = "qpay:check-now:";

    public static string CheckNow(string sessionId) => CheckNowPrefix + sessionId;

    /// <summary>The pub/sub channel of a session: its new status is published there after every stored status change.</summary>
    public const string SessionStatusChannelPrefix = "qpay:status:";

    public static string SessionStatusChannel(string sessionId) => SessionStatusChannelPrefix + sessionId;
}
