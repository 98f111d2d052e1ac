using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using QPay.Functions.Payments.Claims;
using QPay.Functions.Payments.Sessions;
using QPay.Functions.QPayApi;
using QPay.Functions.Tests.Infrastructure;
using QPay.Functions.Tests.Sandbox;

namespace QPay.Functions.Tests.Payments;

/// <summary>
/// Only real money counts (<see cref="PaymentCheckResult.CountedRows"/>): payment/check bodies parsed
/// by the real client, then the whole flow against the sandbox with a refunded card payment.
/// </summary>
public sealed class CountedPaymentsTests
{
    private const string InvoiceId = "7f0c6a1e-5b2d-4c1a-9e3f-0a1b2c3d4e5f";

    [Fact]
    public async Task The_real_card_check_body_counts_its_paid_mnt_row()
    {
        var result = await CheckAsync(StubHttpHandler.Fixture("payment-check.card.json"));

        var row = Assert.Single(result.CountedRows(InvoiceId));
        Assert.Equal("8e25b4d5-fe5a-4d0f-b050-def68a82aaad", row.PaymentId);
        Assert.Equal(100.00m, row.Amount);
    }

    [Theory]
    [InlineData("PAID", true)]
    [InlineData("paid", true)]
    [InlineData("REFUNDED", false)]
    [InlineData("FAILED", false)]
    [InlineData("NEW", false)]
    [InlineData("PARTIAL", false)]
    [InlineData(null, false)]
    public async Task Only_a_paid_row_counts(string? status, bool counts)
    {
        var result = await CheckAsync(Body(Row("p-1", status: status)));

        Assert.Equal(Only(counts, "p-1"), Ids(result));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_paid_row_whose_payment_id_is_also_refunded_does_not_count(bool refundListedFirst)
    {
        string[] refundedPayment = refundListedFirst
            ? [Row("card-1", status: "REFUNDED"), Row("card-1")]
            : [Row("card-1"), Row("card-1", status: "REFUNDED")];
        var result = await CheckAsync(Body([.. refundedPayment, Row("p2p-2")]));

        Assert.Equal(["p2p-2"], Ids(result));
    }

    [Theory]
    [InlineData("\"MNT\"", true)]
    [InlineData("\"mnt\"", true)]
    [InlineData("\"USD\"", false)]
    [InlineData("\"\"", false)]
    [InlineData("null", false)]
    [InlineData(null, false)] // no payment_currency at all
    public async Task Only_a_row_in_mnt_counts(string? currency, bool counts)
    {
        var result = await CheckAsync(Body(Row("p-1", currency: currency)));

        Assert.Equal(Only(counts, "p-1"), Ids(result));
    }

    [Theory]
    [InlineData(null, null, true)] // what real check rows look like: they answer our query
    [InlineData("\"INVOICE\"", "\"" + InvoiceId + "\"", true)]
    [InlineData("\"invoice\"", "\"" + InvoiceId + "\"", true)]
    [InlineData("\"INVOICE\"", "\"9d2e6c40-1111-4222-8333-444455556666\"", false)]
    [InlineData("\"QR\"", "\"" + InvoiceId + "\"", false)]
    [InlineData("\"INVOICE\"", null, false)]
    [InlineData(null, "\"" + InvoiceId + "\"", false)]
    public async Task A_row_naming_an_object_counts_only_for_this_invoice(string? objectType, string? objectId, bool counts)
    {
        var result = await CheckAsync(Body(Row("p-1", objectType: objectType, objectId: objectId)));

        Assert.Equal(Only(counts, "p-1"), Ids(result));
        if (objectType is not null)
        {
            Assert.Equal(objectType.Trim('"'), Assert.Single(result.Rows).ObjectType);
        }
    }

    [Fact]
    public async Task Rows_without_a_payment_id_each_count_on_their_own()
    {
        var result = await CheckAsync(Body(Row(null, amount: "\"1000.00\""), Row("", amount: "\"1500.00\"")));

        var counted = result.CountedRows(InvoiceId);
        Assert.Equal(2, counted.Count);
        Assert.Equal(2500m, counted.Sum(r => r.Amount));
    }

    [Fact]
    public async Task A_payment_repeated_across_pages_counts_once()
    {
        var page = 0;
        var handler = new StubHttpHandler(_ =>
        {
            page++;
            var rows = page == 1
                ? Enumerable.Range(0, QPayClient.PageLimit - 1).Select(i => Row($"p-{i}", amount: "\"1.00\"")).Append(Row("dup", amount: "\"10.00\""))
                : [Row("dup", amount: "\"10.00\"")];
            return StubHttpHandler.Json($$"""{"count":{{QPayClient.PageLimit + 1}},"paid_amount":null,"rows":[{{string.Join(',', rows)}}]}""");
        });
        var client = StubQPayClient.Over(handler);

        var result = await client.CheckInvoicePaymentsAsync(InvoiceId, CancellationToken.None);

        Assert.Equal(QPayClient.PageLimit + 1, result.Rows.Count);
        var counted = result.CountedRows(InvoiceId);
        Assert.Equal(QPayClient.PageLimit, counted.Count);
        Assert.Single(counted, r => r.PaymentId == "dup");
        Assert.Equal(QPayClient.PageLimit - 1 + 10m, counted.Sum(r => r.Amount));
    }

    [Theory]
    [InlineData("\"2500.00\"", "2500")]
    [InlineData("2500", "2500")]
    [InlineData("\"10,00\"", null)] // a decimal comma, not 1000
    [InlineData("\"1,000\"", null)] // a thousands separator
    [InlineData("\"1000-\"", null)] // a trailing sign, not -1000
    [InlineData("\"1e3\"", null)]
    public async Task Row_amounts_are_read_strictly_and_an_unreadable_one_does_not_count(string amount, string? expected)
    {
        var result = await CheckAsync(Body(Row("p-1", amount: amount)));

        var expectedAmount = expected is null ? (decimal?)null : decimal.Parse(expected, CultureInfo.InvariantCulture);
        Assert.Equal(expectedAmount, Assert.Single(result.Rows).Amount);
        Assert.Equal(Only(expected is not null, "p-1"), Ids(result));
    }

    [Theory]
    [InlineData("\"0.00\"")]
    [InlineData("\"-2500.00\"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    public async Task A_paid_row_of_no_positive_amount_does_not_count(string amount)
    {
        var result = await CheckAsync(Body(Row("p-1", amount: amount), Row("p-2")));

        Assert.Equal(["p-2"], Ids(result));
    }

    [Fact]
    public async Task A_card_payment_refunded_before_the_callback_is_not_paid()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-counted-1");
        var paymentId = await harness.PayAsync(invoiceId, type: "CARD");
        await RefundAsync(harness, paymentId);

        var answer = await harness.CallbackAsync(invoiceId, paymentId);

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal("NOT_PAID", answer.Reason);
        Assert.False(answer.Body.GetProperty("processed").GetBoolean());
        Assert.Null(await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default));
        Assert.Equal(SessionStatus.Pending, (await harness.Get<ISessionStore>().GetAsync(sessionId, default))!.Status);
        Assert.Equal(0, await harness.QueuedOrderMessagesAsync());
    }

    [Fact]
    public async Task After_a_refunded_card_payment_only_the_new_payment_is_counted()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var (sessionId, invoiceId) = await harness.SeedTwoSellerSessionAsync("user-counted-2");
        var refunded = await harness.PayAsync(invoiceId, type: "CARD");
        await RefundAsync(harness, refunded);
        var repaid = await harness.PayAsync(invoiceId); // the customer pays again, by bank transfer

        var answer = await harness.CallbackAsync(invoiceId, repaid);

        Assert.True(answer.Body.GetProperty("processed").GetBoolean());
        var session = await harness.Get<ISessionStore>().GetAsync(sessionId, default);
        var claim = await harness.Get<IProcessedInvoiceStore>().GetAsync(sessionId, invoiceId, default);
        Assert.Equal([repaid], claim!.PaymentIds);
        Assert.Equal(session!.ExpectedMnt, claim.PaidMnt);
        Assert.Equal(session.ExpectedMnt, session.PaidMnt);
    }

    /// <summary>QPay's own refund, <c>DELETE /v2/payment/refund/{id}</c>, as a merchant would call it.</summary>
    private static async Task RefundAsync(PaymentsHarness harness, string paymentId)
    {
        using var http = await SandboxHttp.AuthorizedClientAsync(harness.Sandbox);
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/v2/payment/refund/{paymentId}")
        {
            Content = new StringContent("""{"note":"customer asked"}""", Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<PaymentCheckResult> CheckAsync(string body)
    {
        return await StubQPayClient.Answering(body).CheckInvoicePaymentsAsync(InvoiceId, CancellationToken.None);
    }

    private static List<string> Ids(PaymentCheckResult result) => result.CountedRows(InvoiceId).Select(r => r.PaymentId).ToList();

    private static string[] Only(bool counts, string paymentId) => counts ? [paymentId] : [];

    private static string Body(params string[] rows) =>
        $$"""{"count":{{rows.Length}},"paid_amount":null,"rows":[{{string.Join(',', rows)}}]}""";

    /// <summary>
    /// A check row shaped like QPay's (payment-check.card.json). Amount, currency and object fields
    /// are raw JSON; a null id, status, currency or object field is left out of the row.
    /// </summary>
    private static string Row(
        string? paymentId,
        string? status = "PAID",
        string amount = "\"2500.00\"",
        string? currency = "\"MNT\"",
        string? objectType = null,
        string? objectId = null)
    {
        var fields = new List<string>();
        if (paymentId is not null)
        {
            fields.Add($"\"payment_id\":\"{paymentId}\"");
        }

        if (status is not null)
        {
            fields.Add($"\"payment_status\":\"{status}\"");
        }

        fields.Add($"\"payment_amount\":{amount}");
        fields.Add("\"trx_fee\":\"0.00\"");
        if (currency is not null)
        {
            fields.Add($"\"payment_currency\":{currency}");
        }

        fields.Add("\"payment_type\":\"P2P\"");
        if (objectType is not null)
        {
            fields.Add($"\"object_type\":{objectType}");
        }

        if (objectId is not null)
        {
            fields.Add($"\"object_id\":{objectId}");
        }

        return "{" + string.Join(',', fields) + "}";
    }
}
