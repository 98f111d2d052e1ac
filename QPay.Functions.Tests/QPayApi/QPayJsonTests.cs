using System.Net;
using QPay.Functions.QPayApi;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.QPayApi;

/// <summary>Golden payloads from the real QPay API parse to the right values (qpay-v2-api.md §10).</summary>
public sealed class QPayJsonTests
{
    [Fact]
    public void Token_expiry_is_read_as_absolute_epoch_seconds()
    {
        var wire = System.Text.Json.JsonSerializer.Deserialize(StubHttpHandler.Fixture("auth-token.sandbox.json"), QPayJsonContext.Default.TokenResponseWire)!;

        var token = QPayToken.From(wire, new DateTimeOffset(2026, 1, 29, 7, 2, 5, TimeSpan.Zero), "token");

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1769756525), token.ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1769756525), token.RefreshExpiresAt);
        Assert.StartsWith("eyJ", token.AccessToken);
        Assert.StartsWith("eyJ", token.RefreshToken);
        Assert.Equal("0", wire.NotBeforePolicy);
    }

    [Fact]
    public void Token_expiry_given_as_a_duration_is_read_relative_to_now()
    {
        var now = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        var wire = new TokenResponseWire { AccessToken = "a", ExpiresIn = 600, RefreshExpiresIn = 3600 };

        var token = QPayToken.From(wire, now, "token");

        Assert.Equal(now.AddSeconds(600), token.ExpiresAt);
        Assert.Equal(now.AddSeconds(3600), token.RefreshExpiresAt);
    }

    [Fact]
    public async Task Created_invoice_carries_short_url_and_all_thirteen_bank_deeplinks()
    {
        var client = ClientAnswering(StubHttpHandler.Json(StubHttpHandler.Fixture("invoice-create.production.json")));

        var invoice = await client.CreateInvoiceAsync(Request(), CancellationToken.None);

        Assert.Equal("27930855-ddc2-4177-8aca-e47a616bb9ec", invoice.InvoiceId);
        Assert.StartsWith("https://s.qpay.mn/", invoice.ShortUrl);
        Assert.StartsWith("iVBORw0KGgo", invoice.QrImage);
        Assert.StartsWith("002010102121", invoice.QrText);
        Assert.Equal(13, invoice.Deeplinks.Count);
        Assert.All(invoice.Deeplinks, link => Assert.Contains("://q?qPay_QRcode=", link.Link));
    }

    [Fact]
    public async Task Deeplinks_are_read_from_qPay_deeplink_when_urls_is_absent()
    {
        var client = ClientAnswering(StubHttpHandler.Json(
            """{"invoice_id":"i1","qr_text":"q","qr_image":"","qPay_deeplink":[{"name":"Khan bank","link":"khanbank://q?qPay_QRcode=q"}]}"""));

        var invoice = await client.CreateInvoiceAsync(Request(), CancellationToken.None);

        var link = Assert.Single(invoice.Deeplinks);
        Assert.Equal("Khan bank", link.Name);
        Assert.Null(link.Logo);
        Assert.Null(invoice.ShortUrl);
    }

    [Fact]
    public async Task Payment_check_reads_numeric_paid_amount_and_string_row_amounts_with_check_row_names()
    {
        var client = ClientAnswering(StubHttpHandler.Json(StubHttpHandler.Fixture("payment-check.card.json")));

        var result = await client.CheckInvoicePaymentsAsync("invoice-1", CancellationToken.None);

        Assert.Equal(1, result.Count);
        Assert.Equal(100m, result.PaidAmount);
        var row = Assert.Single(result.Rows);
        Assert.Equal("8e25b4d5-fe5a-4d0f-b050-def68a82aaad", row.PaymentId);
        Assert.Equal(100.00m, row.Amount);
        Assert.Equal(1.00m, row.Fee);
        Assert.Equal("CARD", row.PaymentType);
        Assert.Equal("PAID", row.Status);
        Assert.Equal("MNT", row.Currency);
        Assert.Null(row.ObjectType); // real check rows name no object
        Assert.Null(row.ObjectId);
        Assert.Equal(100m, result.CountedRows("invoice-1").Sum(r => r.Amount));
    }

    [Theory]
    [InlineData("\"100.00\"", "100.00")]
    [InlineData("\"2500\"", "2500")]
    [InlineData("\"-5.50\"", "-5.50")]
    [InlineData("2500", "2500")]
    [InlineData("1e3", "1000")] // a JSON number is the number it says
    [InlineData("\"10,00\"", null)] // a decimal comma, not 1000
    [InlineData("\"1,000\"", null)] // a thousands separator
    [InlineData("\"1000-\"", null)] // a trailing sign, not -1000
    [InlineData("\"1e3\"", null)]
    [InlineData("\"₮100\"", null)]
    [InlineData("\"MNT 100\"", null)]
    [InlineData("\" 100\"", null)]
    [InlineData("\"\"", null)]
    public async Task Money_strings_parse_invariantly_without_separators_trailing_signs_symbols_or_exponents(string json, string? expected)
    {
        var client = ClientAnswering(StubHttpHandler.Json(
            $$"""{"count":1,"paid_amount":{{json}},"rows":[{"payment_id":"p1","payment_status":"PAID","payment_amount":{{json}}}]}"""));

        var result = await client.CheckInvoicePaymentsAsync("invoice-1", CancellationToken.None);

        var amount = expected is null ? (decimal?)null : decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(amount, result.PaidAmount);
        Assert.Equal(amount, Assert.Single(result.Rows).Amount);
    }

    [Fact]
    public async Task Payment_check_rows_read_payment_fee_transaction_type_and_payment_date_names()
    {
        var client = ClientAnswering(StubHttpHandler.Json(
            """{"count":1,"paid_amount":"100.00","rows":[{"payment_id":"493622150113497","payment_status":"PAID","payment_fee":"1.00","payment_amount":"100.00","payment_currency":"MNT","payment_date":"2022-03-11T05:57:47.336Z","object_type":"INVOICE","object_id":"d50f49f2-9032-4a74-8929-530531f28f63","transaction_type":"P2P"}]}"""));

        var result = await client.CheckInvoicePaymentsAsync("d50f49f2-9032-4a74-8929-530531f28f63", CancellationToken.None);

        var row = Assert.Single(result.Rows);
        Assert.Equal("493622150113497", row.PaymentId);
        Assert.Equal(1.00m, row.Fee);
        Assert.Equal("P2P", row.PaymentType);
        Assert.Equal("d50f49f2-9032-4a74-8929-530531f28f63", row.ObjectId);
        Assert.Equal(new DateTimeOffset(2022, 3, 11, 5, 57, 47, 336, TimeSpan.Zero), row.PaidAt);
    }

    [Theory]
    [InlineData("""{"count":0,"paid_amount":null,"rows":[]}""", null)]
    [InlineData("""{"count":"1","paid_amount":"","rows":[{"payment_id":89741882240445,"payment_status":"PAID","payment_amount":"","paid_by":"P2P"}]}""", null)]
    [InlineData("""{"count":1,"paid_amount":"2500.50","rows":[{"payment_id":"089741882240445","payment_status":"PAID","payment_amount":2500.5,"transaction_type":"P2P"}]}""", "2500.50")]
    public async Task Payment_check_tolerates_null_empty_and_numeric_variants(string body, string? paidAmount)
    {
        var client = ClientAnswering(StubHttpHandler.Json(body));

        var result = await client.CheckInvoicePaymentsAsync("invoice-1", CancellationToken.None);

        Assert.Equal(paidAmount is null ? null : decimal.Parse(paidAmount, System.Globalization.CultureInfo.InvariantCulture), result.PaidAmount);
        Assert.All(result.Rows, row => Assert.Equal("P2P", row.PaymentType));
        Assert.All(result.Rows, row => Assert.Matches("^[0-9]+$", row.PaymentId));
    }

    [Fact]
    public async Task Payment_check_reads_every_page()
    {
        var page = 0;
        var handler = new StubHttpHandler(_ =>
        {
            page++;
            var rows = Enumerable.Range(0, page == 1 ? QPayClient.PageLimit : 5)
                .Select(i => $$"""{"payment_id":"{{page}}-{{i}}","payment_status":"PAID","payment_amount":"1.00"}""");
            return StubHttpHandler.Json($$"""{"count":{{QPayClient.PageLimit + 5}},"paid_amount":{{QPayClient.PageLimit + 5}},"rows":[{{string.Join(',', rows)}}]}""");
        });
        var client = StubQPayClient.Over(handler);

        var result = await client.CheckInvoicePaymentsAsync("invoice-1", CancellationToken.None);

        Assert.Equal(QPayClient.PageLimit + 5, result.Rows.Count);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Contains("\"page_number\":2", handler.Requests[1].Body);
    }

    public static TheoryData<string, HttpStatusCode, string?, string?, bool> ErrorBodies() => new()
    {
        { """{"error":"SYSTEM_BUSY","message":"SYSTEM_BUSY"}""", HttpStatusCode.InternalServerError, "SYSTEM_BUSY", null, false },
        { """{"error":"NO_CREDENDIALS","message":"NO_CREDENDIALS"}""", HttpStatusCode.Unauthorized, "NO_CREDENDIALS", null, true },
        { """{"error":"NO_CREDENTIALS","message":"Хандах эрхгүй байна. Нэвтрэнэ үү."}""", HttpStatusCode.Unauthorized, "NO_CREDENTIALS", null, true },
        { """{"error":{"page_limit":{"type":"MIN_NUMBER","message":"Number min value [1]!"}},"message":{"page_limit":{"type":"MIN_NUMBER","message":"Number min value [1]!"}}}""", HttpStatusCode.BadRequest, "MIN_NUMBER", "page_limit", false },
        { """{"message":"TypeError"}""", HttpStatusCode.InternalServerError, "TypeError", null, false },
        { "<html>Bad gateway</html>", HttpStatusCode.BadGateway, null, null, false },
        { "", HttpStatusCode.UnprocessableEntity, null, null, false },
    };

    [Theory]
    [MemberData(nameof(ErrorBodies))]
    public async Task Error_bodies_of_every_shape_become_a_typed_error(string body, HttpStatusCode status, string? code, string? field, bool isAuth)
    {
        var client = ClientAnswering(StubHttpHandler.Json(body, status));

        var error = await Assert.ThrowsAsync<QPayApiException>(() => client.CheckInvoicePaymentsAsync("invoice-1", CancellationToken.None));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(field, error.ErrorField);
        Assert.Equal(isAuth, error.IsAuthenticationError);
        Assert.Equal("payment.check", error.Endpoint);
        Assert.Contains($"HTTP {(int)status}", error.Message);
    }

    [Fact]
    public async Task Invoice_request_sends_whole_mnt_amount_sender_invoice_no_and_the_configured_invoice_code()
    {
        var handler = new StubHttpHandler(_ => StubHttpHandler.Json(StubHttpHandler.Fixture("invoice-create.production.json")));
        var client = StubQPayClient.Over(handler);

        await client.CreateInvoiceAsync(Request() with { Lines = [new InvoiceLine("Mug", 2, 1700m, "sku-1")] }, CancellationToken.None);

        var (method, path, body) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, method);
        Assert.Equal("/v2/invoice", path);
        using var json = System.Text.Json.JsonDocument.Parse(body!);
        Assert.Equal("TEST_INVOICE", json.RootElement.GetProperty("invoice_code").GetString());
        Assert.Equal("session123", json.RootElement.GetProperty("sender_invoice_no").GetString());
        Assert.Equal(3400m, json.RootElement.GetProperty("amount").GetDecimal());
        Assert.Equal("https://api.example.com/payments/qpay/webhook?sessionId=session123&token=t", json.RootElement.GetProperty("callback_url").GetString());
        Assert.Equal("2.00", json.RootElement.GetProperty("lines")[0].GetProperty("line_quantity").GetString());
    }

    [Theory]
    [InlineData("https://merchant.qpay.mn", "https://merchant.qpay.mn/v2/")]
    [InlineData("https://merchant.qpay.mn/", "https://merchant.qpay.mn/v2/")]
    [InlineData("https://merchant.qpay.mn/v2", "https://merchant.qpay.mn/v2/")]
    [InlineData("http://127.0.0.1:7080", "http://127.0.0.1:7080/v2/")]
    public void Api_root_always_ends_in_v2(string baseUrl, string expected) =>
        Assert.Equal(new Uri(expected), new QPayOptions { BaseUrl = baseUrl }.ApiRoot);

    private static CreateInvoiceRequest Request() =>
        new("session123", "Order session123", 3400m, new Uri("https://api.example.com/payments/qpay/webhook?sessionId=session123&token=t"));

    private static QPayClient ClientAnswering(HttpResponseMessage response) =>
        StubQPayClient.Over(new StubHttpHandler(_ => response));

}
