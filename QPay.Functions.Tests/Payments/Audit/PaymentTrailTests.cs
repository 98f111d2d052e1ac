using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Payments;
using QPay.Functions.Payments.Audit;
using QPay.Functions.Payments.Orders;
using QPay.Functions.Payments.Receipts;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments.Audit;

/// <summary>
/// The audit trail the payment path leaves (PaymentEvents), against Azurite, Redis and the QPay
/// sandbox: every event of a session in the order it happened, with its payment ids, and nothing
/// secret in it; and a payment that goes through when the trail cannot be written.
/// </summary>
public sealed class PaymentTrailTests
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    [Fact]
    public async Task The_trail_of_a_payment_with_duplicates_a_reconciler_check_and_a_cancel_in_order()
    {
        var (harness, clock) = await PaymentsHarness.StartWithFakeClockAsync();
        await using var _ = harness;
        var secrets = new List<string>();

        // A: checked by the reconciler before it is paid, then called back three times (twice publicly, once internally) and fulfilled.
        var userA = "user-trail-a-" + Guid.NewGuid().ToString("N")[..8];
        var (a, invoiceA) = await harness.SeedTwoSellerSessionAsync(userA);
        Assert.Equal(1, (await harness.ReconcileAsync()).Checked);
        var paymentId = await harness.PayAsync(invoiceA);
        Assert.Null((await harness.CallbackAsync(invoiceA, paymentId)).Reason);
        Assert.Equal("DUPLICATE", (await harness.CallbackAsync(invoiceA, paymentId)).Reason);
        var callbackUrl = harness.CallbackUrl(invoiceA);
        var token = QueryValue(callbackUrl, "token");
        Assert.Equal("INVALID_TOKEN", (await harness.WebhookAsync($"sessionId={a}&token=forged&qpay_payment_id={paymentId}")).Reason);
        Assert.Equal("DUPLICATE", (await harness.WebhookAsync($"sessionId={a}&token={token}&qpay_payment_id=%3Cscript%3E")).Reason);
        var internalAnswer = await PaymentsHarness.InvokeAsync(
            harness.Function<WebhookFunctions>().InternalQPayWebhook,
            HttpRequests.Json("POST", new { invoiceId = invoiceA }, query: $"sessionId={a}&qpay_payment_id={paymentId}", headers: Internal));
        Assert.Equal("DUPLICATE", internalAnswer.Reason);
        await harness.ProcessOrderQueueAsync();
        await harness.ProcessReceiptQueueAsync();
        var orderIds = (await harness.Get<ISessionStore>().GetAsync(a, default))!.OrderIds;
        Assert.Equal(2, orderIds.Count);
        secrets.AddRange([token, callbackUrl.ToString(), callbackUrl.Query, TestJwt.For(userA)]);

        // B: seeded, then cancelled by its user.
        var userB = "user-trail-b-" + Guid.NewGuid().ToString("N")[..8];
        var (b, invoiceB) = await harness.SeedTwoSellerSessionAsync(userB);
        Assert.Equal(StatusCodes.Status200OK, (await harness.CancelAsync(userB, b)).Status);
        secrets.AddRange([QueryValue(harness.CallbackUrl(invoiceB), "token"), harness.CallbackUrl(invoiceB).ToString(), TestJwt.For(userB)]);

        // C: never paid; the reconciler expires it once its time is up.
        var userC = "user-trail-c-" + Guid.NewGuid().ToString("N")[..8];
        var (c, invoiceC) = await harness.SeedTwoSellerSessionAsync(userC);
        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(1, (await harness.ReconcileAsync()).Expired);
        secrets.AddRange([QueryValue(harness.CallbackUrl(invoiceC), "token"), harness.CallbackUrl(invoiceC).ToString(), TestJwt.For(userC)]);

        var trailA = await harness.EventsAsync(a);
        Assert.Equal(
            [
                ("seeded", "PENDING", (string?)null),
                ("reconciler-check", "NOT_PAID", "reconciler"),
                ("claimed", "VERIFIED", null),
                ("callback", "PROCESSED", "public"),
                ("callback", "DUPLICATE", "public"),
                ("callback", "DUPLICATE", "public"),
                ("callback", "DUPLICATE", "internal"),
                ("orders-created", "CREATED", "orders"),
                ("receipt", "REGISTERED", "receipts"),
            ],
            trailA.Select(e => (e.Event.Type, e.Event.Reason!, e.Event.Source)));
        Assert.All(trailA, e => Assert.Equal(invoiceA, e.Event.InvoiceId));
        Assert.Equal(
            [null, null, paymentId, paymentId, paymentId, null, paymentId, null, paymentId],
            trailA.Select(e => e.Event.PaymentId)); // the malformed qpay_payment_id is not kept
        Assert.Equal(Carts.TwoSellersMnt, trailA[0].Event.AmountMnt);
        Assert.Equal(Carts.TwoSellersMnt, trailA[2].Event.AmountMnt);
        Assert.Equal(paymentId, trailA[2].Event.Detail);
        Assert.Equal(string.Join(',', orderIds), trailA[7].Event.Detail);
        Assert.Equal("scheduled", trailA[1].Event.Detail);

        var trailB = await harness.EventsAsync(b);
        Assert.Equal([("seeded", "PENDING"), ("cancelled", "CANCELLED")], trailB.Select(e => (e.Event.Type, e.Event.Reason!)));
        Assert.Equal("user", trailB[1].Event.Source);

        var trailC = await harness.EventsAsync(c);
        Assert.Equal(
            [("seeded", "PENDING", (string?)null), ("reconciler-check", "NOT_PAID", "expiry"), ("expired", "TIME_UP", null)],
            trailC.Select(e => (e.Event.Type, e.Event.Reason!, e.Event.Detail)));
        Assert.All(trailC, e => Assert.Equal(invoiceC, e.Event.InvoiceId));

        AssertNothingSecret([.. trailA, .. trailB, .. trailC], secrets);
    }

    [Fact]
    public async Task A_refund_and_its_receipts_cancel_are_in_the_trail_with_the_payment_id_and_never_the_receiver()
    {
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.PostConfigure<EbarimtOptions>(o => o.RetryBackoff = TimeSpan.Zero));
        var user = "user-trail-refund-" + Guid.NewGuid().ToString("N")[..8];
        var phone = "88" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var cart = JsonSerializer.SerializeToNode(Carts.TwoSellers, JsonSerializerOptions.Web)!.AsObject();
        cart["ebarimt"] = JsonSerializer.SerializeToNode(new { receiverType = "CITIZEN", receiver = phone }, JsonSerializerOptions.Web);
        var seeded = await harness.SeedAsync(user, cart);
        var sessionId = seeded.Body.GetProperty("sessionId").GetString()!;
        var invoiceId = seeded.Body.GetProperty("invoice").GetProperty("invoiceId").GetString()!;
        var paymentId = await harness.PayAsync(invoiceId, type: "CARD");
        await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();
        await harness.ProcessReceiptQueueAsync();

        Assert.Equal("REFUNDED", (await harness.RefundAsync(sessionId)).Body.GetProperty("status").GetString());
        await harness.ProcessReceiptQueueAsync(maxRounds: 3);

        var trail = await harness.EventsAsync(sessionId);
        Assert.Equal(
            [
                ("seeded", "PENDING"), ("claimed", "VERIFIED"), ("callback", "PROCESSED"), ("orders-created", "CREATED"), ("receipt", "REGISTERED"),
                ("refund", "REQUESTED"), ("refund", "REFUNDED"), ("refund", "COMPLETED"), ("receipt", "CANCELLED"),
            ],
            trail.Select(e => (e.Event.Type, e.Event.Reason!)));
        var requested = trail[5].Event;
        Assert.Equal(("operator", "CUSTOMER_REQUEST", Carts.TwoSellersMnt), (requested.Source, requested.Detail, requested.AmountMnt));
        var refunded = trail[6].Event;
        Assert.Equal((paymentId, Carts.TwoSellersMnt, invoiceId), (refunded.PaymentId, refunded.AmountMnt, refunded.InvoiceId));
        Assert.Equal(Carts.TwoSellersMnt, trail[7].Event.AmountMnt);
        Assert.Equal((paymentId, "cancel"), (trail[8].Event.PaymentId, trail[8].Event.Detail));
        Assert.Equal(paymentId, trail[4].Event.PaymentId);

        var callbackUrl = harness.CallbackUrl(invoiceId);
        AssertNothingSecret(trail, [phone, QueryValue(callbackUrl, "token"), callbackUrl.ToString(), TestJwt.For(user)]);
    }

    [Fact]
    public async Task A_session_pushed_over_the_open_session_cap_expires_in_its_trail_naming_the_newer_one()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["MAX_OPEN_SESSIONS_PER_USER"] = "1" });
        var user = "user-trail-cap-" + Guid.NewGuid().ToString("N")[..8];
        var (older, olderInvoice) = await harness.SeedTwoSellerSessionAsync(user);
        var (newer, newerInvoice) = await harness.SeedTwoSellerSessionAsync(user);

        var trail = await harness.EventsAsync(older);
        Assert.Equal(
            [("seeded", "PENDING", (string?)null, (string?)null), ("expired", "SUPERSEDED", "open-session-cap", newer)],
            trail.Select(e => (e.Event.Type, e.Event.Reason!, e.Event.Source, e.Event.Detail)));
        Assert.All(trail, e => Assert.Equal(olderInvoice, e.Event.InvoiceId));
        Assert.Equal([("seeded", newerInvoice)], (await harness.EventsAsync(newer)).Select(e => (e.Event.Type, e.Event.InvoiceId!)));
    }

    [Fact]
    public async Task A_payment_goes_through_when_the_trail_cannot_be_written()
    {
        // Azurite refuses the table name: every write of the trail fails, and is dropped.
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.PostConfigure<PaymentOptions>(o => o.PaymentEventsTable = "no-such-table!"));
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-trail-down-" + Guid.NewGuid().ToString("N")[..8]);
        var paymentId = await harness.PayAsync(invoiceId);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);
        await harness.ProcessOrderQueueAsync();

        Assert.Equal((StatusCodes.Status200OK, true, null), (answer.Status, answer.Body.GetProperty("processed").GetBoolean(), answer.Reason));
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(SessionStatus.Processed, session.Status);
        Assert.Equal(2, session.OrderIds.Count);
        Assert.Equal(2, (await harness.Get<IOrderStore>().ListForUserAsync(session.UserId, default)).Count(o => o.SessionId == sessionId));
        await harness.Get<PaymentEventTable>().FlushAsync(TimeSpan.FromSeconds(60));
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "AuditEventsDropped");
    }

    /// <summary>No field of any event holds a webhook token, a JWT, a callback URL or an e-receipt receiver.</summary>
    private static void AssertNothingSecret(IEnumerable<RecordedPaymentEvent> events, IReadOnlyList<string> secrets)
    {
        var fields = events.SelectMany(r => new[] { r.Event.Type, r.Event.Source, r.Event.Reason, r.Event.PaymentId, r.Event.InvoiceId, r.Event.Detail })
            .Where(f => !string.IsNullOrEmpty(f)).ToList();
        Assert.NotEmpty(fields);
        Assert.All(secrets, secret => Assert.False(string.IsNullOrEmpty(secret)));
        foreach (var field in fields)
        {
            Assert.DoesNotContain("eyJ", field, StringComparison.Ordinal); // the start of any JWT
            Assert.DoesNotContain("token=", field, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("://", field, StringComparison.Ordinal);
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, field, StringComparison.Ordinal));
        }
    }

    private static string QueryValue(Uri url, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url.Query)[name].ToString();
}
