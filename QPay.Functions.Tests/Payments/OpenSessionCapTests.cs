using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QPay.Functions.Functions;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// MAX_OPEN_SESSIONS_PER_USER (default 5): a seed over the cap expires the user's oldest open
/// session through the cancel lifecycle (invoice cancelled at QPay, one check), never the new one
/// (real Azurite, Redis, sandbox).
/// </summary>
public sealed class OpenSessionCapTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private PaymentsHarness Harness => fixture.Harness;

    [Fact]
    public async Task The_sixth_session_expires_the_oldest_whose_invoice_is_cancelled_at_QPay_and_the_other_five_stay_pending()
    {
        var user = User();
        var seeded = new List<(string SessionId, string InvoiceId)>();
        for (var i = 0; i < 5; i++)
        {
            seeded.Add(await Harness.SeedTwoSellerSessionAsync(user));
        }

        var cancelsBefore = Harness.QPayCalls(EndpointKeys.InvoiceCancel);
        var sixth = await Harness.SeedAsync(user, Carts.TwoSellers);

        Assert.Equal(StatusCodes.Status200OK, sixth.Status);
        var sixthId = sixth.Body.GetProperty("sessionId").GetString()!;
        seeded.Add((sixthId, sixth.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!));
        var (oldestId, oldestInvoice) = seeded[0];
        var oldest = await SessionAsync(oldestId);
        Assert.Equal(SessionStatus.Expired, oldest.Status);
        Assert.NotNull(oldest.ExpiredAt);
        Assert.Null(oldest.CancelledAt);
        Assert.Equal(SandboxInvoiceStatus.Canceled, Harness.Sandbox.State.FindInvoice(oldestInvoice)!.Status);
        Assert.Equal(cancelsBefore + 1, Harness.QPayCalls(EndpointKeys.InvoiceCancel));
        foreach (var (sessionId, invoiceId) in seeded.Skip(1))
        {
            Assert.Equal(SessionStatus.Pending, (await SessionAsync(sessionId)).Status);
            Assert.NotEqual(SandboxInvoiceStatus.Canceled, Harness.Sandbox.State.FindInvoice(invoiceId)!.Status);
        }

        var status = await PaymentsHarness.InvokeAsync(
            Harness.Function<StatusFunctions>().PaymentStatus, HttpRequests.Get($"sessionId={oldestId}", bearer: TestJwt.For(user)));
        Assert.Equal("EXPIRED", status.Body.GetProperty("status").GetString());
        var logged = Assert.Single(Harness.Logs.GetSnapshot(), r => r.Id.Name == "SessionSuperseded" && r.Message.Contains(oldestId));
        Assert.Equal((5110, LogLevel.Warning), (logged.Id.Id, logged.Level));
        Assert.Contains(sixthId, logged.Message);
        Assert.Contains(oldestInvoice, logged.Message);
        Assert.DoesNotContain(Harness.Logs.GetSnapshot(), r => r.Message.Contains(user));
        Assert.Equal(5, (await Harness.Get<IUserOpenSessions>().ListAsync(user, default)).Count);

        // The next one expires the next oldest.
        await Harness.SeedTwoSellerSessionAsync(user);
        Assert.Equal(SessionStatus.Expired, (await SessionAsync(seeded[1].SessionId)).Status);
        Assert.Equal(SessionStatus.Pending, (await SessionAsync(seeded[2].SessionId)).Status);
    }

    [Fact]
    public async Task Cancelled_and_paid_sessions_do_not_count_and_leave_the_users_record()
    {
        var user = User();
        var seeded = new List<(string SessionId, string InvoiceId)>();
        for (var i = 0; i < 5; i++)
        {
            seeded.Add(await Harness.SeedTwoSellerSessionAsync(user));
        }

        Assert.Equal(StatusCodes.Status200OK, (await Harness.CancelAsync(user, seeded[0].SessionId)).Status);
        Assert.Null((await Harness.CallbackAsync(seeded[1].InvoiceId, await Harness.PayAsync(seeded[1].InvoiceId))).Reason);
        await Harness.ProcessOrderQueueAsync();

        // Seven sessions seeded, two of them closed: five open, none expired.
        seeded.Add(await Harness.SeedTwoSellerSessionAsync(user));
        seeded.Add(await Harness.SeedTwoSellerSessionAsync(user));

        Assert.Equal(SessionStatus.Cancelled, (await SessionAsync(seeded[0].SessionId)).Status);
        Assert.Equal(SessionStatus.Processed, (await SessionAsync(seeded[1].SessionId)).Status);
        foreach (var (sessionId, _) in seeded.Skip(2))
        {
            Assert.Equal(SessionStatus.Pending, (await SessionAsync(sessionId)).Status);
        }

        var recorded = (await Harness.Get<IUserOpenSessions>().ListAsync(user, default)).Select(e => e.SessionId).ToList();
        Assert.Equal(seeded.Skip(2).Select(s => s.SessionId), recorded);

        // The eighth is one too many: the oldest open one expires, not a closed one.
        await Harness.SeedTwoSellerSessionAsync(user);
        Assert.Equal(SessionStatus.Expired, (await SessionAsync(seeded[2].SessionId)).Status);
        Assert.Equal(SessionStatus.Cancelled, (await SessionAsync(seeded[0].SessionId)).Status);
        Assert.Equal(SessionStatus.Pending, (await SessionAsync(seeded[3].SessionId)).Status);
    }

    [Fact]
    public async Task A_partly_paid_oldest_session_expires_and_its_payment_goes_back()
    {
        var user = User();
        var (oldestId, oldestInvoice) = await Harness.SeedTwoSellerSessionAsync(user);
        var card = await Harness.PayAsync(oldestInvoice, amount: 10_000m, type: "CARD");
        for (var i = 0; i < 5; i++)
        {
            await Harness.SeedTwoSellerSessionAsync(user);
        }

        var expired = await SessionAsync(oldestId);
        Assert.Equal((SessionStatus.RefundPending, 10_000m), (expired.Status, expired.PaidMnt));
        Assert.NotNull(expired.ExpiredAt);
        Assert.Equal(RefundReasons.Underpaid, (await Harness.Get<IRefundLedger>().GetPlanAsync(oldestId, default))!.WholeReason);

        await Harness.ProcessRefundQueueAsync();

        var refunded = await SessionAsync(oldestId);
        Assert.Equal(SessionStatus.Refunded, refunded.Status);
        Assert.Equal((card, RefundStatus.Refunded), (refunded.Refund!.Payments.Single().PaymentId, refunded.Refund.Payments.Single().Status));
        Assert.Equal(SandboxPaymentStatus.Refunded, Harness.Sandbox.State.FindPayment(card)!.Status);
    }

    [Fact]
    public async Task A_paid_oldest_session_found_while_expiring_goes_the_paid_way_and_no_other_expires()
    {
        var user = User();
        var seeded = new List<(string SessionId, string InvoiceId)>();
        for (var i = 0; i < 5; i++)
        {
            seeded.Add(await Harness.SeedTwoSellerSessionAsync(user));
        }

        await Harness.PayAsync(seeded[0].InvoiceId); // its callback has not arrived yet
        seeded.Add(await Harness.SeedTwoSellerSessionAsync(user));
        await Harness.ProcessOrderQueueAsync();

        Assert.Equal(SessionStatus.Processed, (await SessionAsync(seeded[0].SessionId)).Status);
        foreach (var (sessionId, _) in seeded.Skip(1))
        {
            Assert.Equal(SessionStatus.Pending, (await SessionAsync(sessionId)).Status);
        }

        Assert.DoesNotContain(Harness.Logs.GetSnapshot(), r => r.Id.Name == "SessionSuperseded" && r.Message.Contains(seeded[0].SessionId));
    }

    [Fact]
    public async Task A_qpay_refusal_to_cancel_the_oldest_leaves_it_open_and_recorded_and_the_next_seed_expires_it()
    {
        var user = User();
        var seeded = new List<(string SessionId, string InvoiceId)>();
        for (var i = 0; i < 5; i++)
        {
            seeded.Add(await Harness.SeedTwoSellerSessionAsync(user));
        }

        Harness.Sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.InvoiceCancel, Status = 400, Error = "SOMETHING_NEW", Count = 1 });
        var sixth = await Harness.SeedAsync(user, Carts.TwoSellers);

        Assert.Equal(StatusCodes.Status200OK, sixth.Status);
        seeded.Add((sixth.Body.GetProperty("sessionId").GetString()!, sixth.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!));
        Assert.Equal(SessionStatus.Pending, (await SessionAsync(seeded[0].SessionId)).Status);
        Assert.Contains(Harness.Logs.GetSnapshot(), r => r.Id.Name == "OpenSessionNotExpired" && r.Message.Contains(seeded[0].SessionId) && r.Message.Contains("Failed"));
        Assert.Equal(6, (await Harness.Get<IUserOpenSessions>().ListAsync(user, default)).Count);

        // Seven open now: the next seed expires the two oldest.
        await Harness.SeedTwoSellerSessionAsync(user);
        Assert.Equal(SessionStatus.Expired, (await SessionAsync(seeded[0].SessionId)).Status);
        Assert.Equal(SessionStatus.Expired, (await SessionAsync(seeded[1].SessionId)).Status);
        Assert.Equal(SandboxInvoiceStatus.Canceled, Harness.Sandbox.State.FindInvoice(seeded[0].InvoiceId)!.Status);
        foreach (var (sessionId, _) in seeded.Skip(2))
        {
            Assert.Equal(SessionStatus.Pending, (await SessionAsync(sessionId)).Status);
        }
    }

    private async Task<PaymentSession> SessionAsync(string sessionId) => (await Harness.Get<ISessionStore>().GetAsync(sessionId, default))!;

    private static string User() => "user-cap-" + Guid.NewGuid().ToString("N")[..10];
}

/// <summary>The cap under concurrent seeds and without Redis: private harnesses with their own settings.</summary>
public sealed class OpenSessionCapConcurrencyTests
{
    [Fact]
    public async Task Ten_concurrent_seeds_for_one_user_with_a_cap_of_three_leave_at_most_three_open()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["MAX_OPEN_SESSIONS_PER_USER"] = "3",
            // The per-user seed rate is not what is tested here: room for all ten at once.
            ["SEED_SESSION_RATE_LIMIT_PER_MINUTE"] = "20",
        });
        var user = "user-cap-race-" + Guid.NewGuid().ToString("N")[..8];

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => harness.SeedAsync(user, Carts.TwoSellers))));

        Assert.All(answers, a => Assert.Equal(StatusCodes.Status200OK, a.Status));
        var sessions = new List<PaymentSession>();
        foreach (var answer in answers)
        {
            sessions.Add((await harness.Get<ISessionStore>().GetAsync(answer.Body.GetProperty("sessionId").GetString()!, default))!);
        }

        var open = sessions.Where(s => s.Status == SessionStatus.Pending).ToList();
        Assert.InRange(open.Count, 1, 3);
        Assert.All(sessions, s => Assert.Contains(s.Status, new[] { SessionStatus.Pending, SessionStatus.Expired }));
        foreach (var session in sessions)
        {
            var invoice = harness.Sandbox.State.FindInvoice(session.InvoiceId!)!;
            Assert.Equal(session.Status == SessionStatus.Expired, invoice.Status == SandboxInvoiceStatus.Canceled);
        }

        // The newest session is never expired: every seed keeps it.
        var newest = sessions.OrderBy(s => s.CreatedAt).ThenBy(s => s.SessionId, StringComparer.Ordinal).Last();
        Assert.Equal(SessionStatus.Pending, newest.Status);
    }

    [Fact]
    public async Task A_failure_to_enforce_the_cap_is_logged_and_never_fails_the_seed()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<IUserOpenSessions>(new UnavailableOpenSessions()));

        var answer = await harness.SeedAsync("user-cap-broken-" + Guid.NewGuid().ToString("N")[..8], Carts.TwoSellers);

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        var sessionId = answer.Body.GetProperty("sessionId").GetString()!;
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        var logged = Assert.Single(harness.Logs.GetSnapshot(), r => r.Id.Name == "OpenSessionCapFailed");
        Assert.Equal((5112, LogLevel.Warning), (logged.Id.Id, logged.Level));
        Assert.Contains(sessionId, logged.Message);
        Assert.IsType<RequestFailedException>(logged.Exception);
    }

    [Fact]
    public async Task The_cap_holds_with_redis_down()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["REDIS_DATABASE_URI"] = $"redis://127.0.0.1:{LocalStack.FreePort()}",
            ["MAX_OPEN_SESSIONS_PER_USER"] = "2",
        });
        var user = "user-cap-noredis-" + Guid.NewGuid().ToString("N")[..8];

        var seeded = new List<(string SessionId, string InvoiceId)>();
        for (var i = 0; i < 3; i++)
        {
            seeded.Add(await harness.SeedTwoSellerSessionAsync(user));
        }

        var store = harness.Get<ISessionStore>();
        Assert.Equal(SessionStatus.Expired, (await store.GetAsync(seeded[0].SessionId, default))!.Status);
        Assert.Equal(SandboxInvoiceStatus.Canceled, harness.Sandbox.State.FindInvoice(seeded[0].InvoiceId)!.Status);
        Assert.Equal(SessionStatus.Pending, (await store.GetAsync(seeded[1].SessionId, default))!.Status);
        Assert.Equal(SessionStatus.Pending, (await store.GetAsync(seeded[2].SessionId, default))!.Status);
    }
}

/// <summary>An open-sessions record whose table does not answer.</summary>
internal sealed class UnavailableOpenSessions : IUserOpenSessions
{
    public Task AddAsync(string userId, OpenSessionEntry entry, CancellationToken cancellationToken) => throw Unavailable();

    public Task<IReadOnlyList<OpenSessionEntry>> ListAsync(string userId, CancellationToken cancellationToken) => throw Unavailable();

    public Task RemoveAsync(string userId, string sessionId, CancellationToken cancellationToken) => throw Unavailable();

    private static RequestFailedException Unavailable() => new(503, "The table service is unavailable.");
}
