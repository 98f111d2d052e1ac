using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using QPay.Sandbox;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

/// <summary>The sandbox's <c>POST /v2/payment/list</c> by MERCHANT: paging over every invoice, oldest first, and the date filters.</summary>
public sealed class SandboxPaymentListTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 10, 23, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Merchant_list_pages_over_every_invoice_oldest_first_with_the_total_count()
    {
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = await AuthorizedClientAsync(sandbox);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var invoice = await CreateInvoiceAsync(http, senderInvoiceNo: $"L{i}");
            ids.Add((await PayAsync(http, invoice, """{"callback":false}""")).GetProperty("paymentId").GetString()!);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var pages = new List<JsonElement>();
        for (var page = 1; page <= 3; page++)
        {
            pages.Add(await JsonAsync(await ListAsync(http, page: page, limit: 2)));
        }

        Assert.All(pages, p => Assert.Equal(5, p.GetProperty("count").GetInt32()));
        Assert.Equal(ids, pages.SelectMany(p => p.GetProperty("rows").EnumerateArray()).Select(r => r.GetProperty("payment_id").GetString()));
        Assert.Single(pages[2].GetProperty("rows").EnumerateArray());
    }

    [Fact]
    public async Task Start_and_end_date_keep_payments_dated_between_them_both_included()
    {
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = await AuthorizedClientAsync(sandbox);
        var invoice = await CreateInvoiceAsync(http, amount: 4000);
        var ids = new List<string>();
        foreach (var at in new[] { Start, Start.AddHours(1), Start.AddHours(2), Start.AddHours(3) })
        {
            clock.SetUtcNow(at);
            ids.Add((await PayAsync(http, invoice, """{"amount":1000,"callback":false}""")).GetProperty("paymentId").GetString()!);
        }

        // 2026-03-11 00:00:00 to 01:00:00: the payments at midnight and at one.
        var body = await JsonAsync(await ListAsync(http, from: "2026-03-11 00:00:00", to: "2026-03-11 01:00:00"));
        var fromOnly = await JsonAsync(await ListAsync(http, from: "2026-03-11 01:30:00"));

        Assert.Equal(2, body.GetProperty("count").GetInt32());
        Assert.Equal(ids[1..3], body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("payment_id").GetString()));
        Assert.Equal("2026-03-11T00:00:00.000Z", body.GetProperty("rows")[0].GetProperty("payment_date").GetString());
        Assert.Equal([ids[3]], fromOnly.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("payment_id").GetString()));
    }

    [Fact]
    public async Task A_date_that_is_not_a_date_is_a_nested_invalid_400()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        using var response = await ListAsync(http, from: "yesterday");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID", body.GetProperty("error").GetProperty("start_date").GetProperty("type").GetString());
    }

    private static Task<HttpResponseMessage> ListAsync(HttpClient http, int page = 1, int limit = 100, string? from = null, string? to = null)
    {
        var body = new Dictionary<string, object>
        {
            ["object_type"] = "MERCHANT",
            ["object_id"] = "TEST_INVOICE",
            ["offset"] = new { page_number = page, page_limit = limit },
        };
        if (from is not null)
        {
            body["start_date"] = from;
        }

        if (to is not null)
        {
            body["end_date"] = to;
        }

        return PostJsonAsync(http, "/v2/payment/list", JsonSerializer.Serialize(body));
    }
}
