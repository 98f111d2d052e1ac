using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using QPay.Sandbox;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

public sealed partial class SandboxInvoiceTests
{
    private static readonly byte[] PngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Invoice_create_body_has_the_fields_and_types_of_the_production_capture()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        using var response = await PostJsonAsync(http, "/v2/invoice", InvoiceJson("https://shop.example.mn/qpay/cb/ORD20260114001?k=9f3c1a"));
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonShape.AssertSame(JsonShape.Fixture("invoice-create.production.json"), body);
        Assert.True(Guid.TryParse(body.GetProperty("invoice_id").GetString(), out _));
        Assert.Matches(ShortUrl(), body.GetProperty("qPay_shortUrl").GetString());
    }

    [Fact]
    public async Task Invoice_urls_are_the_13_banks_linking_to_the_qr_text()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        var body = await JsonAsync(await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase)));
        var qrText = body.GetProperty("qr_text").GetString();
        var urls = body.GetProperty("urls").EnumerateArray().ToList();

        var fixtureNames = JsonShape.Fixture("invoice-create.production.json").GetProperty("urls").EnumerateArray()
            .Select(u => u.GetProperty("name").GetString()).ToList();
        Assert.Equal(13, urls.Count);
        Assert.Equal(fixtureNames, urls.Select(u => u.GetProperty("name").GetString()));
        Assert.All(urls, url =>
        {
            Assert.Matches($"^[a-z]+://q\\?qPay_QRcode={Regex.Escape(qrText!)}$", url.GetProperty("link").GetString());
            Assert.StartsWith("https://", url.GetProperty("logo").GetString());
            Assert.False(string.IsNullOrEmpty(url.GetProperty("description").GetString()));
        });
        Assert.StartsWith("khanbank://q?qPay_QRcode=", urls[1].GetProperty("link").GetString());
    }

    [Fact]
    public async Task Invoice_qr_image_is_a_base64_png_without_a_data_prefix()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        var body = await JsonAsync(await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase)));
        var image = body.GetProperty("qr_image").GetString()!;
        var bytes = Convert.FromBase64String(image);

        Assert.StartsWith("iVBORw0KGgo", image);
        Assert.Equal(PngMagic, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.True(bytes.Length > 100);
    }

    [Fact]
    public async Task Invoice_qr_text_is_an_emvco_payload_in_mnt_with_a_valid_crc()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        var body = await JsonAsync(await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase, amount: 2500)));
        var qrText = body.GetProperty("qr_text").GetString()!;
        var tags = EmvPayload.Tags(qrText);

        Assert.StartsWith("000201010212", qrText);
        Assert.Contains("5303496", qrText);
        Assert.Contains("5802MN", qrText);
        Assert.Contains(("53", "496"), tags);
        Assert.Contains(("58", "MN"), tags);
        Assert.Contains(("54", "2500"), tags);
        Assert.Equal("63", tags[^1].Tag);
        Assert.True(EmvPayload.CrcIsValid(qrText), $"CRC of {qrText} is wrong");
        Assert.False(EmvPayload.CrcIsValid(qrText[..^1] + (qrText[^1] == '0' ? '1' : '0')));
    }

    [Fact]
    public async Task Invoice_create_without_required_fields_answers_nested_400()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        using var response = await PostJsonAsync(http, "/v2/invoice", """{"invoice_code":"TEST_INVOICE","invoice_receiver_code":"terminal"}""");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(JsonValueKind.Object, body.GetProperty("error").ValueKind);
        Assert.Equal(body.GetProperty("error").GetRawText(), body.GetProperty("message").GetRawText());
        foreach (var field in new[] { "sender_invoice_no", "invoice_description", "amount", "callback_url" })
        {
            var error = body.GetProperty("error").GetProperty(field);
            Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        }

        Assert.False(body.GetProperty("error").TryGetProperty("invoice_code", out _));
        Assert.Empty(sandbox.State.Invoices);
    }

    [Fact]
    public async Task Invoice_create_with_a_foreign_invoice_code_is_invalid()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var json = InvoiceJson(CallbackBase).Replace("TEST_INVOICE", "OTHER_INVOICE", StringComparison.Ordinal);

        using var response = await PostJsonAsync(http, "/v2/invoice", json);
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID", body.GetProperty("error").GetProperty("invoice_code").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Invoice_create_rejects_too_long_sender_invoice_no_and_zero_amount()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        using var response = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase, amount: 0, senderInvoiceNo: new string('A', 46)));
        var errors = (await JsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("MAX_LENGTH", errors.GetProperty("sender_invoice_no").GetProperty("type").GetString());
        Assert.Equal("MIN_NUMBER", errors.GetProperty("amount").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Invoice_get_uses_mixed_money_types()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, "https://shop.example.mn/cb?k=1&o=2", amount: 2500);

        using var response = await http.GetAsync($"/v2/invoice/{invoiceId}");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OPEN", body.GetProperty("invoice_status").GetString());
        Assert.Equal("2500.00", body.GetProperty("total_amount").GetString());
        Assert.Equal(JsonValueKind.Number, body.GetProperty("gross_amount").ValueKind);
        Assert.Equal(2500m, body.GetProperty("gross_amount").GetDecimal());
        Assert.Equal("2500", body.GetProperty("gross_amount").GetRawText());
        foreach (var field in new[] { "tax_amount", "surcharge_amount", "discount_amount" })
        {
            Assert.Equal("0", body.GetProperty(field).GetRawText());
        }

        Assert.Equal(JsonValueKind.Null, body.GetProperty("minimum_amount").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("maximum_amount").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("sender_branch_data").ValueKind);
        Assert.Equal("ORD20260114001", body.GetProperty("sender_invoice_no").GetString());
        Assert.Equal("https://shop.example.mn/cb?k=1&o=2", body.GetProperty("callback_url").GetString());
        var line = body.GetProperty("lines")[0];
        Assert.Equal("1.00", line.GetProperty("line_quantity").GetString());
        Assert.Equal("2500.00", line.GetProperty("line_unit_price").GetString());
        foreach (var name in JsonShape.Fixture("invoice-get.decimal-strings.json").EnumerateObject().Select(p => p.Name))
        {
            Assert.True(body.TryGetProperty(name, out _), $"missing {name}");
        }
    }

    [Fact]
    public async Task Invoice_cancel_answers_empty_object_then_400_already_canceled()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);

        using var first = await http.DeleteAsync($"/v2/invoice/{invoiceId}");
        using var second = await http.DeleteAsync($"/v2/invoice/{invoiceId}");
        var status = (await JsonAsync(await http.GetAsync($"/v2/invoice/{invoiceId}"))).GetProperty("invoice_status").GetString();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("{}", await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("INVOICE_ALREADY_CANCELED", (await JsonAsync(second)).GetProperty("error").GetString());
        Assert.Equal("CANCELED", status);
    }

    [Fact]
    public async Task Paid_invoice_cannot_be_canceled()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        await PayAsync(http, invoiceId, """{"callback":false}""");

        using var response = await http.DeleteAsync($"/v2/invoice/{invoiceId}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVOICE_PAID", (await JsonAsync(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Unknown_invoice_answers_422_invoice_notfound()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        const string unknown = "7f0c6a1e-3b7d-4c52-9a7e-2f1d8b6c4e90";

        using var get = await http.GetAsync($"/v2/invoice/{unknown}");
        using var delete = await http.DeleteAsync($"/v2/invoice/{unknown}");
        using var check = await CheckAsync(http, unknown);

        foreach (var response in new[] { get, delete, check })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("INVOICE_NOTFOUND", (await JsonAsync(response)).GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task Duplicate_sender_invoice_no_makes_a_second_invoice_by_default()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        var first = await CreateInvoiceAsync(http, senderInvoiceNo: "SAME-1");
        var second = await CreateInvoiceAsync(http, senderInvoiceNo: "SAME-1");

        Assert.NotEqual(first, second);
        Assert.Equal(2, sandbox.State.Invoices.Count);
    }

    [Fact]
    public async Task Duplicate_sender_invoice_no_is_refused_in_reject_mode()
    {
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { RejectDuplicateSenderInvoiceNo = true });
        using var http = await AuthorizedClientAsync(sandbox);
        await CreateInvoiceAsync(http, senderInvoiceNo: "SAME-1");

        using var response = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase, senderInvoiceNo: "SAME-1"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("INVOICE_CODE_REGISTERED", (await JsonAsync(response)).GetProperty("error").GetString());
        Assert.Single(sandbox.State.Invoices);
    }

    [Fact]
    public async Task Invoice_with_lines_totals_the_lines()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        const string json = """
            {"invoice_code":"TEST_INVOICE","sender_invoice_no":"L1","invoice_receiver_code":"terminal",
             "invoice_description":"Two lines","lines":[
               {"line_description":"Tea","line_quantity":"2.00","line_unit_price":"1000.00"},
               {"line_description":"Cake","line_quantity":1,"line_unit_price":500,"discounts":[{"description":"promo","amount":100}]}]}
            """;

        var created = await JsonAsync(await PostJsonAsync(http, "/v2/invoice", json));
        var body = await JsonAsync(await http.GetAsync($"/v2/invoice/{created.GetProperty("invoice_id").GetString()}"));

        Assert.Equal("2400.00", body.GetProperty("total_amount").GetString());
        Assert.Equal(2500m, body.GetProperty("gross_amount").GetDecimal());
        Assert.Equal(100m, body.GetProperty("discount_amount").GetDecimal());
        Assert.Equal(2, body.GetProperty("lines").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("callback_url").ValueKind);
    }

    [GeneratedRegex("^https://s\\.qpay\\.mn/[A-Za-z0-9]{10}$")]
    private static partial Regex ShortUrl();
}
