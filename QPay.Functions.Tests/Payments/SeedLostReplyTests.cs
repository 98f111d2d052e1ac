using Azure.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox.Api;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// A seed whose session transaction (the session row with its reconciler home row) was stored but whose reply was
/// lost: the SDK retries it into a 409, which is this transaction itself (the session's id is new), so the seed goes on.
/// </summary>
public sealed class SeedLostReplyTests
{
    [Fact]
    public async Task A_session_transaction_stored_whose_reply_was_lost_is_taken_as_written_and_the_seed_goes_on()
    {
        var lost = new LostReplies();
        await using var harness = await PaymentsHarness.StartAsync(services: s => s.AddSingleton<StorageTryPolicy>(lost));
        const string user = "user-seed-lost-reply";
        lost.LoseNext((m, body) => m.Request.Method == RequestMethod.Post
            && m.Request.Uri.ToString().Contains("$batch", StringComparison.Ordinal)
            && body.Contains(user, StringComparison.Ordinal));

        var answer = await harness.SeedAsync(user, Carts.TwoSellers);

        Assert.Equal(1, lost.Lost);
        Assert.Equal(StatusCodes.Status200OK, answer.Status); // before: the 409 failed the seed
        var sessionId = answer.Body.GetProperty("sessionId").GetString()!;
        var session = (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!;
        Assert.Equal(answer.Body.GetProperty("invoice").GetProperty("invoiceId").GetString(), session.InvoiceId);
        Assert.NotNull(await harness.Get<IPendingSessionIndex>().GetAsync(sessionId, default));
        Assert.Equal(1, await harness.DueRowsAsync(sessionId));
        Assert.Equal(1, harness.QPayCalls(EndpointKeys.InvoiceCreate));
    }
}
