using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using QPay.Functions.Tests.Infrastructure;
using QPay.Sandbox;
using QPay.Sandbox.Api;
using QPay.Sandbox.Faults;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

/// <summary>
/// <c>POST /v2/ebarimt_v3/create</c> and <c>DELETE /v2/ebarimt_v3/{payment_id}</c>: the receipt in the captured
/// shape with VAT = amount / 11, one receipt per payment, QPay's errors (PAYMENT_NOT_PAID, PAYMENT_NOTFOUND,
/// nested validation, EBARIMT_NOT_REGISTERED, BARIMT_NOT_FOUND), the registration switch
/// (<c>/sandbox/ebarimt</c>), faults on both endpoints and their call counts.
/// </summary>
public sealed partial class SandboxEbarimtTests
{
    private const string NotRegisteredBody = """{"error":"EBARIMT_NOT_REGISTERED","message":"EBARIMT_NOT_REGISTERED"}""";
    private const string BarimtNotFoundBody = """{"error":"BARIMT_NOT_FOUND","message":"BARIMT_NOT_FOUND"}""";
    private static readonly DateTimeOffset Start = new(2026, 1, 29, 7, 2, 5, TimeSpan.Zero);

    [Fact]
    public async Task Create_answers_the_captured_shape_registered_with_qr_data_lottery_and_the_payments_amounts()
    {
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 2500);
        var paymentId = await PayTypeAsync(http, invoiceId, "P2P");

        using var create = await CreateReceiptAsync(http, paymentId);
        var receipt = await JsonAsync(create);

        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        JsonShape.AssertSame(JsonShape.Fixture("ebarimt-v3-create.json"), receipt);
        Assert.True(Guid.TryParse(receipt.GetProperty("id").GetString(), out _), receipt.GetProperty("id").GetString());
        Assert.Equal("REGISTERED", receipt.GetProperty("barimt_status").GetString());
        Assert.Equal("2026-01-29T07:02:05.000Z", receipt.GetProperty("barimt_status_date").GetString());
        Assert.Matches(QrData(), receipt.GetProperty("ebarimt_qr_data").GetString());
        Assert.Matches(Lottery(), receipt.GetProperty("ebarimt_lottery").GetString());
        Assert.Equal("2500.00", receipt.GetProperty("amount").GetString());
        Assert.Equal("227.27", receipt.GetProperty("vat_amount").GetString());
        Assert.Equal("0.00", receipt.GetProperty("city_tax_amount").GetString());
        Assert.Equal("1", receipt.GetProperty("tax_type").GetString());
        Assert.Equal(paymentId, receipt.GetProperty("g_payment_id").GetString());
        Assert.Equal("INVOICE", receipt.GetProperty("object_type").GetString());
        Assert.Equal(invoiceId, receipt.GetProperty("object_id").GetString());
        Assert.Equal("P2P", receipt.GetProperty("paid_by").GetString());
        Assert.Equal("CITIZEN", receipt.GetProperty("ebarimt_receiver_type").GetString());
        Assert.Equal("88614450", receipt.GetProperty("ebarimt_receiver").GetString());
        Assert.Equal("88*144*0", receipt.GetProperty("ebarimt_receiver_phone").GetString());
        Assert.Equal("3505", receipt.GetProperty("ebarimt_district_code").GetString());
        Assert.True(receipt.GetProperty("status").GetBoolean());
    }

    /// <summary>The rule: the amount includes 10 % VAT, so vat = round(amount / 11, 2), midpoints away from zero; no city tax.</summary>
    [Theory]
    [InlineData(2500, "P2P", "227.27")]
    [InlineData(200, "P2P", "18.18")]
    [InlineData(1000, "CARD", "90.91")]
    [InlineData(11, "P2P", "1.00")]
    [InlineData(100, "CARD", "9.09")]
    [InlineData(6, "P2P", "0.55")]
    [InlineData(5, "P2P", "0.45")]
    [InlineData(99999, "P2P", "9090.82")]
    public async Task Vat_is_the_tenth_of_the_net_inside_the_amount_rounded_to_two_decimals_and_city_tax_is_zero(int amount, string type, string vat)
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: amount);
        var paymentId = await PayTypeAsync(http, invoiceId, type);

        using var create = await CreateReceiptAsync(http, paymentId);
        var receipt = await JsonAsync(create);
        var vatAmount = decimal.Parse(receipt.GetProperty("vat_amount").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        Assert.Equal(type, receipt.GetProperty("paid_by").GetString());
        Assert.Equal($"{amount}.00", receipt.GetProperty("amount").GetString());
        Assert.Equal(vat, receipt.GetProperty("vat_amount").GetString());
        Assert.InRange(Math.Abs(((amount - vatAmount) * 0.10m) - vatAmount), 0m, 0.01m);
        Assert.Equal("0.00", receipt.GetProperty("city_tax_amount").GetString());
    }

    [Fact]
    public async Task Each_payment_of_a_partly_paid_invoice_gets_its_own_receipt_for_its_own_amount()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http, amount: 3000);
        var first = await PayTypeAsync(http, invoiceId, "P2P", amount: 1000);
        var second = await PayTypeAsync(http, invoiceId, "CARD", amount: 2000);

        var firstReceipt = await JsonAsync(await CreateReceiptAsync(http, first));
        var secondReceipt = await JsonAsync(await CreateReceiptAsync(http, second));

        Assert.Equal("1000.00", firstReceipt.GetProperty("amount").GetString());
        Assert.Equal("90.91", firstReceipt.GetProperty("vat_amount").GetString());
        Assert.Equal("2000.00", secondReceipt.GetProperty("amount").GetString());
        Assert.Equal("181.82", secondReceipt.GetProperty("vat_amount").GetString());
        Assert.Equal("CARD", secondReceipt.GetProperty("paid_by").GetString());
        Assert.Equal(invoiceId, secondReceipt.GetProperty("object_id").GetString());
        Assert.NotEqual(firstReceipt.GetProperty("id").GetString(), secondReceipt.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Second_create_for_the_same_payment_answers_the_same_receipt_unchanged_and_never_a_second_one()
    {
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        using var first = await CreateReceiptAsync(http, paymentId);
        var firstText = await first.Content.ReadAsStringAsync();
        clock.Advance(TimeSpan.FromMinutes(3));
        using var second = await PostJsonAsync(http, "/v2/ebarimt_v3/create",
            $$"""{"payment_id":"{{paymentId}}","ebarimt_receiver_type":"COMPANY","ebarimt_receiver":"5395305","district_code":"0101"}""");
        var secondText = await second.Content.ReadAsStringAsync();
        using var cancel = await CancelReceiptAsync(http, paymentId);
        using var cancelAgain = await CancelReceiptAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstText, secondText);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cancelAgain.StatusCode);
    }

    [Fact]
    public async Task Concurrent_creates_for_one_payment_all_answer_one_receipt()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CreateReceiptAsync(http, paymentId)));
        var ids = new List<string?>();
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                ids.Add((await JsonAsync(response)).GetProperty("id").GetString());
            }
        }

        using var cancel = await CancelReceiptAsync(http, paymentId);
        using var cancelAgain = await CancelReceiptAsync(http, paymentId);

        Assert.Single(ids.Distinct());
        Assert.Equal(ids[0], (await JsonAsync(cancel)).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cancelAgain.StatusCode);
    }

    [Fact]
    public async Task Create_for_a_refunded_card_payment_is_payment_not_paid_and_creates_nothing()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var invoiceId = await CreateInvoiceAsync(http);
        var paymentId = await PayTypeAsync(http, invoiceId, "CARD");
        using var refund = await http.DeleteAsync($"/v2/payment/refund/{paymentId}");

        using var create = await CreateReceiptAsync(http, paymentId);
        using var cancel = await CancelReceiptAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Equal("""{"error":"PAYMENT_NOT_PAID","message":"PAYMENT_NOT_PAID"}""", await create.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cancel.StatusCode);
        Assert.Equal(BarimtNotFoundBody, await cancel.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Create_for_an_unknown_payment_is_payment_notfound()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        using var create = await CreateReceiptAsync(http, "019276866891878");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, create.StatusCode);
        Assert.Equal("""{"error":"PAYMENT_NOTFOUND","message":"PAYMENT_NOTFOUND"}""", await create.Content.ReadAsStringAsync());
    }

    /// <summary><c>{pid}</c> stands for a real PAID payment, so only the named field can be the reason for the 400.</summary>
    [Theory]
    [InlineData("""{"ebarimt_receiver_type":"CITIZEN","ebarimt_receiver":"88614450"}""", "payment_id", "REQUIRED")]
    [InlineData("""{"payment_id":"","ebarimt_receiver_type":"CITIZEN"}""", "payment_id", "REQUIRED")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver":"88614450"}""", "ebarimt_receiver_type", "REQUIRED")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"ALIEN"}""", "ebarimt_receiver_type", "INVALID")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"COMPANY"}""", "ebarimt_receiver", "REQUIRED")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"COMPANY","ebarimt_receiver":""}""", "ebarimt_receiver", "REQUIRED")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"CITIZEN","district_code":"350"}""", "district_code", "INVALID")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"CITIZEN","district_code":"35050"}""", "district_code", "INVALID")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"CITIZEN","district_code":"35A5"}""", "district_code", "INVALID")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"CITIZEN","classification_code":"123456"}""", "classification_code", "INVALID")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"CITIZEN","classification_code":"12345678"}""", "classification_code", "INVALID")]
    [InlineData("""{"payment_id":"{pid}","ebarimt_receiver_type":"CITIZEN","classification_code":"12345X7"}""", "classification_code", "INVALID")]
    public async Task Create_with_a_bad_field_is_the_nested_400_for_that_field_and_creates_nothing(string template, string field, string type)
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        using var create = await PostJsonAsync(http, "/v2/ebarimt_v3/create", template.Replace("{pid}", paymentId, StringComparison.Ordinal));
        var body = await JsonAsync(create);
        using var cancel = await CancelReceiptAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        var error = body.GetProperty("error");
        Assert.Equal([field], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal(type, error.GetProperty(field).GetProperty("type").GetString());
        Assert.Equal(error.GetRawText(), body.GetProperty("message").GetRawText());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cancel.StatusCode);
    }

    [Fact]
    public async Task Create_for_a_company_with_district_and_classification_codes_keeps_them_and_has_no_phone()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        using var create = await PostJsonAsync(http, "/v2/ebarimt_v3/create",
            $$"""{"payment_id":"{{paymentId}}","ebarimt_receiver_type":"COMPANY","ebarimt_receiver":"5395305","district_code":"0101","classification_code":"1234567"}""");
        var receipt = await JsonAsync(create);

        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        Assert.Equal("COMPANY", receipt.GetProperty("ebarimt_receiver_type").GetString());
        Assert.Equal("5395305", receipt.GetProperty("ebarimt_receiver").GetString());
        Assert.Equal("0101", receipt.GetProperty("ebarimt_district_code").GetString());
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("ebarimt_receiver_phone").ValueKind);
        Assert.Equal("REGISTERED", receipt.GetProperty("barimt_status").GetString());
    }

    [Fact]
    public async Task Malformed_create_body_is_object_data_error()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);

        using var create = await PostJsonAsync(http, "/v2/ebarimt_v3/create", """{"payment_id":"1" """);

        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Equal("""{"error":"OBJECT_DATA_ERROR","message":"OBJECT_DATA_ERROR"}""", await create.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Merchant_not_registered_at_start_gets_ebarimt_not_registered_after_validation_and_before_the_payment_lookup()
    {
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { EbarimtRegistered = false });
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        using var create = await CreateReceiptAsync(http, paymentId);
        using var unknown = await CreateReceiptAsync(http, "019276866891878");
        using var invalid = await PostJsonAsync(http, "/v2/ebarimt_v3/create", $$"""{"payment_id":"{{paymentId}}","ebarimt_receiver_type":"ALIEN"}""");
        using var cancel = await CancelReceiptAsync(http, paymentId);
        var flag = await JsonAsync(await http.GetAsync("/sandbox/ebarimt"));

        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Equal(NotRegisteredBody, await create.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(NotRegisteredBody, await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("INVALID", (await JsonAsync(invalid)).GetProperty("error").GetProperty("ebarimt_receiver_type").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cancel.StatusCode);
        Assert.Equal(BarimtNotFoundBody, await cancel.Content.ReadAsStringAsync());
        Assert.False(flag.GetProperty("registered").GetBoolean());
    }

    [Fact]
    public async Task Control_route_switches_registration_off_and_on_and_cancel_keeps_working_meanwhile()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var registered = await PaidPaymentAsync(http);
        var later = await PaidPaymentAsync(http);
        using var initially = await http.GetAsync("/sandbox/ebarimt");
        using var before = await CreateReceiptAsync(http, registered);

        using var off = await PostJsonAsync(http, "/sandbox/ebarimt", """{"registered":false}""");
        var optionWhileOff = sandbox.Options.EbarimtRegistered;
        using var refused = await CreateReceiptAsync(http, later);
        using var cancelWhileOff = await CancelReceiptAsync(http, registered);
        using var on = await PostJsonAsync(http, "/sandbox/ebarimt", """{"registered":true}""");
        using var created = await CreateReceiptAsync(http, later);

        Assert.Equal("""{"registered":true}""", await initially.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Equal("""{"registered":false}""", await off.Content.ReadAsStringAsync());
        Assert.False(optionWhileOff);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(NotRegisteredBody, await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, cancelWhileOff.StatusCode);
        Assert.Equal("CANCELED", (await JsonAsync(cancelWhileOff)).GetProperty("barimt_status").GetString());
        Assert.Equal("""{"registered":true}""", await on.Content.ReadAsStringAsync());
        Assert.True(sandbox.Options.EbarimtRegistered);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("REGISTERED", (await JsonAsync(created)).GetProperty("barimt_status").GetString());
    }

    [Fact]
    public async Task Setting_the_option_in_process_has_the_same_effect_as_the_control_route()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        sandbox.Options.EbarimtRegistered = false;
        using var refused = await CreateReceiptAsync(http, paymentId);
        var shown = await JsonAsync(await http.GetAsync("/sandbox/ebarimt"));
        sandbox.Options.EbarimtRegistered = true;
        using var created = await CreateReceiptAsync(http, paymentId);

        Assert.Equal(NotRegisteredBody, await refused.Content.ReadAsStringAsync());
        Assert.False(shown.GetProperty("registered").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
    }

    [Theory]
    [InlineData("""{"registered":"maybe"}""", "registered must be true or false.")]
    [InlineData("""{}""", "registered must be true or false.")]
    [InlineData("""[false]""", "The body must be a JSON object.")]
    [InlineData("""{"registered":""", "The body must be a JSON object.")]
    public async Task Control_route_refuses_a_bad_body_and_leaves_the_registration_alone(string json, string error)
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = Client(sandbox);

        using var response = await PostJsonAsync(http, "/sandbox/ebarimt", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, (await JsonAsync(response)).GetProperty("error").GetString());
        Assert.True(sandbox.Options.EbarimtRegistered);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reset_puts_back_the_registration_the_sandbox_started_with(bool atStart)
    {
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { EbarimtRegistered = atStart });
        using var http = Client(sandbox);

        using var flipped = await PostJsonAsync(http, "/sandbox/ebarimt", $$"""{"registered":{{(!atStart).ToString().ToLowerInvariant()}}}""");
        var whileFlipped = sandbox.Options.EbarimtRegistered;
        using var reset = await http.PostAsync("/sandbox/reset", null);
        var afterReset = await JsonAsync(await http.GetAsync("/sandbox/ebarimt"));
        sandbox.Options.EbarimtRegistered = !atStart;
        sandbox.Reset();

        Assert.Equal(HttpStatusCode.OK, flipped.StatusCode);
        Assert.Equal(!atStart, whileFlipped);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(atStart, afterReset.GetProperty("registered").GetBoolean());
        Assert.Equal(atStart, sandbox.Options.EbarimtRegistered);
    }

    [Fact]
    public async Task Cancel_answers_the_receipt_canceled_once_then_barimt_not_found()
    {
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http, amount: 2500);
        var created = await JsonAsync(await CreateReceiptAsync(http, paymentId));
        clock.Advance(TimeSpan.FromMinutes(5));

        using var cancel = await CancelReceiptAsync(http, paymentId);
        var canceled = await JsonAsync(cancel);
        using var again = await CancelReceiptAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        JsonShape.AssertSame(JsonShape.Fixture("ebarimt-v3-create.json"), canceled);
        Assert.Equal("CANCELED", canceled.GetProperty("barimt_status").GetString());
        Assert.Equal("2026-01-29T07:07:05.000Z", canceled.GetProperty("barimt_status_date").GetString());
        foreach (var name in new[] { "id", "g_payment_id", "amount", "vat_amount", "city_tax_amount", "ebarimt_qr_data", "ebarimt_lottery", "ebarimt_receipt_id" })
        {
            Assert.Equal(created.GetProperty(name).GetString(), canceled.GetProperty(name).GetString());
        }

        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.Equal(BarimtNotFoundBody, await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cancel_of_a_payment_without_a_receipt_or_of_an_unknown_payment_is_barimt_not_found()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        using var withoutReceipt = await CancelReceiptAsync(http, paymentId);
        using var unknown = await CancelReceiptAsync(http, "019276866891878");
        using var create = await CreateReceiptAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, withoutReceipt.StatusCode);
        Assert.Equal(BarimtNotFoundBody, await withoutReceipt.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Equal(BarimtNotFoundBody, await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
    }

    [Fact]
    public async Task Create_after_a_cancel_registers_a_new_receipt()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        var first = await JsonAsync(await CreateReceiptAsync(http, paymentId));
        using var cancel = await CancelReceiptAsync(http, paymentId);
        using var recreate = await CreateReceiptAsync(http, paymentId);
        var second = await JsonAsync(recreate);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.OK, recreate.StatusCode);
        Assert.Equal("REGISTERED", second.GetProperty("barimt_status").GetString());
        Assert.NotEqual(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Create_fault_500_answers_system_busy_for_its_count_and_creates_nothing_then_create_works()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);
        using var added = await PostJsonAsync(http, "/sandbox/faults", """{"endpoint":"ebarimt.create","status":500,"count":2}""");

        using var first = await CreateReceiptAsync(http, paymentId);
        using var second = await CreateReceiptAsync(http, paymentId);
        using var cancelAfterFaults = await CancelReceiptAsync(http, paymentId);
        var pending = await JsonAsync(await http.GetAsync("/sandbox/faults"));
        using var third = await CreateReceiptAsync(http, paymentId);
        using var fourth = await CreateReceiptAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        foreach (var failed in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal("""{"error":"SYSTEM_BUSY","message":"SYSTEM_BUSY"}""", await failed.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.UnprocessableEntity, cancelAfterFaults.StatusCode);
        Assert.Empty(pending.EnumerateObject());
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal("REGISTERED", (await JsonAsync(third)).GetProperty("barimt_status").GetString());
        Assert.Equal((await JsonAsync(third)).GetProperty("id").GetString(), (await JsonAsync(fourth)).GetProperty("id").GetString());
    }

    /// <summary>Drop runs the create and then cuts the connection: the receipt exists, and the retry answers it.</summary>
    [Fact]
    public async Task Dropped_create_registers_the_receipt_before_the_connection_is_cut_so_the_retry_answers_that_receipt()
    {
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await QPaySandbox.StartAsync(new SandboxOptions { Clock = clock });
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);
        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.EbarimtCreate, Drop = true });

        await Assert.ThrowsAsync<HttpRequestException>(() => CreateReceiptAsync(http, paymentId));
        clock.Advance(TimeSpan.FromMinutes(1));
        using var retry = await CreateReceiptAsync(http, paymentId);
        var receipt = await JsonAsync(retry);
        using var cancel = await CancelReceiptAsync(http, paymentId);
        using var cancelAgain = await CancelReceiptAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("2026-01-29T07:02:05.000Z", receipt.GetProperty("barimt_status_date").GetString());
        Assert.Equal(receipt.GetProperty("id").GetString(), (await JsonAsync(cancel)).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cancelAgain.StatusCode);
    }

    [Fact]
    public async Task Cancel_fault_keeps_the_receipt_and_a_create_fault_does_not_hit_cancel()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        var paymentId = await PaidPaymentAsync(http);
        var created = await JsonAsync(await CreateReceiptAsync(http, paymentId));
        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.EbarimtCreate, Status = 503 });
        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.EbarimtCancel, Status = 500, Error = "TypeError" });

        using var failedCancel = await CancelReceiptAsync(http, paymentId);
        using var cancel = await CancelReceiptAsync(http, paymentId);
        using var failedCreate = await CreateReceiptAsync(http, paymentId);
        using var recreate = await CreateReceiptAsync(http, paymentId);

        Assert.Equal(HttpStatusCode.InternalServerError, failedCancel.StatusCode);
        Assert.Equal("""{"message":"TypeError"}""", await failedCancel.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(created.GetProperty("id").GetString(), (await JsonAsync(cancel)).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failedCreate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, recreate.StatusCode);
    }

    [Fact]
    public async Task Stats_count_every_create_and_cancel_call_faulted_refused_and_unauthorized_ones_included()
    {
        await using var sandbox = await QPaySandbox.StartAsync();
        using var http = await AuthorizedClientAsync(sandbox);
        using var anonymous = Client(sandbox);
        var paymentId = await PaidPaymentAsync(http);

        using var created = await CreateReceiptAsync(http, paymentId);
        using var repeated = await CreateReceiptAsync(http, paymentId);
        using var invalid = await PostJsonAsync(http, "/v2/ebarimt_v3/create", """{"payment_id":"1"}""");
        using var unknown = await CreateReceiptAsync(http, "019276866891878");
        using var unauthorizedCreate = await CreateReceiptAsync(anonymous, paymentId);
        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.EbarimtCreate, Status = 500 });
        using var busy = await CreateReceiptAsync(http, paymentId);
        sandbox.Options.EbarimtRegistered = false;
        using var notRegistered = await CreateReceiptAsync(http, paymentId);
        sandbox.Options.EbarimtRegistered = true;

        sandbox.AddFault(new FaultRule { Endpoint = EndpointKeys.EbarimtCancel, Status = 500 });
        using var busyCancel = await CancelReceiptAsync(http, paymentId);
        using var canceled = await CancelReceiptAsync(http, paymentId);
        using var notFound = await CancelReceiptAsync(http, paymentId);
        using var unauthorizedCancel = await CancelReceiptAsync(anonymous, paymentId);

        var stats = await JsonAsync(await http.GetAsync("/sandbox/stats"));

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.UnprocessableEntity, HttpStatusCode.Unauthorized, HttpStatusCode.InternalServerError, HttpStatusCode.BadRequest],
            new[] { created, repeated, invalid, unknown, unauthorizedCreate, busy, notRegistered }.Select(r => r.StatusCode));
        Assert.Equal(
            [HttpStatusCode.InternalServerError, HttpStatusCode.OK, HttpStatusCode.UnprocessableEntity, HttpStatusCode.Unauthorized],
            new[] { busyCancel, canceled, notFound, unauthorizedCancel }.Select(r => r.StatusCode));
        Assert.Equal(7, stats.GetProperty("ebarimt.create").GetInt32());
        Assert.Equal(4, stats.GetProperty("ebarimt.cancel").GetInt32());
        Assert.Equal(7, sandbox.Stats[EndpointKeys.EbarimtCreate]);
        Assert.Equal(4, sandbox.Stats[EndpointKeys.EbarimtCancel]);
    }

    [Fact]
    public async Task Standalone_sandbox_reads_ebarimt_registered_from_its_settings()
    {
        var port = LocalStack.FreePort();
        var info = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "QPay.Sandbox.dll")}\" --urls http://127.0.0.1:{port} --Sandbox:EbarimtRegistered=false")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var flag = await WaitForJsonAsync(http, "/sandbox/ebarimt");
            var token = await JsonAsync(await TokenAsync(http));
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
            using var create = await CreateReceiptAsync(http, "019276866891878");

            Assert.False(flag.GetProperty("registered").GetBoolean());
            Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
            Assert.Equal(NotRegisteredBody, await create.Content.ReadAsStringAsync());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task<JsonElement> WaitForJsonAsync(HttpClient http, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(path);
                return await JsonAsync(response);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>A simple invoice fully paid by one payment; answers the payment id.</summary>
    private static async Task<string> PaidPaymentAsync(HttpClient http, decimal amount = 2500) =>
        await PayTypeAsync(http, await CreateInvoiceAsync(http, amount: amount), "P2P");

    private static async Task<string> PayTypeAsync(HttpClient http, string invoiceId, string type, decimal? amount = null)
    {
        var json = amount is { } value
            ? $$"""{"type":"{{type}}","amount":{{value}},"callback":false}"""
            : $$"""{"type":"{{type}}","callback":false}""";
        return (await PayAsync(http, invoiceId, json)).GetProperty("paymentId").GetString()!;
    }

    /// <summary>A citizen's receipt, as the fixture's request would ask for it.</summary>
    private static Task<HttpResponseMessage> CreateReceiptAsync(HttpClient http, string paymentId) =>
        http.PostAsync("/v2/ebarimt_v3/create", new StringContent(
            $$"""{"payment_id":"{{paymentId}}","ebarimt_receiver_type":"CITIZEN","ebarimt_receiver":"88614450"}""", Encoding.UTF8, "application/json"));

    private static Task<HttpResponseMessage> CancelReceiptAsync(HttpClient http, string paymentId) =>
        http.DeleteAsync($"/v2/ebarimt_v3/{paymentId}");

    [GeneratedRegex(@"^\d{20}$")]
    private static partial Regex QrData();

    [GeneratedRegex(@"^[A-Z]{2} \d{8}$")]
    private static partial Regex Lottery();
}
