using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using QPay.Sandbox;

namespace QPay.Functions.Tests.Sandbox;

/// <summary>Raw HTTP helpers for the sandbox contract tests (not a QPay client: bodies stay plain JSON).</summary>
internal static class SandboxHttp
{
    public const string CallbackBase = "http://127.0.0.1:9/unused";

    public static HttpClient Client(QPaySandbox sandbox) => new() { BaseAddress = sandbox.BaseUrl };

    public static AuthenticationHeaderValue Basic(string clientId, string clientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{clientSecret}")));

    public static async Task<HttpResponseMessage> TokenAsync(HttpClient http, string clientId = "TEST_MERCHANT", string clientSecret = "123456")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/auth/token");
        request.Headers.Authorization = Basic(clientId, clientSecret);
        return await http.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> RefreshAsync(HttpClient http, string refreshToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/auth/refresh");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refreshToken);
        return await http.SendAsync(request);
    }

    /// <summary>A client whose default Authorization is a fresh access token.</summary>
    public static async Task<HttpClient> AuthorizedClientAsync(QPaySandbox sandbox)
    {
        var http = Client(sandbox);
        using var response = await TokenAsync(http);
        var token = (await JsonAsync(response)).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static string InvoiceJson(string callbackUrl, decimal amount = 2500, string senderInvoiceNo = "ORD20260114001") =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["invoice_code"] = "TEST_INVOICE",
            ["sender_invoice_no"] = senderInvoiceNo,
            ["invoice_receiver_code"] = "terminal",
            ["invoice_description"] = "Order 20260114-001",
            ["sender_branch_code"] = "BRANCH01",
            ["amount"] = amount,
            ["callback_url"] = callbackUrl,
        });

    /// <summary>Creates a simple invoice and answers its id.</summary>
    public static async Task<string> CreateInvoiceAsync(HttpClient http, string callbackUrl = CallbackBase, decimal amount = 2500, string senderInvoiceNo = "ORD20260114001")
    {
        using var response = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(callbackUrl, amount, senderInvoiceNo));
        Assert.Equal(200, (int)response.StatusCode);
        return (await JsonAsync(response)).GetProperty("invoice_id").GetString()!;
    }

    /// <summary>Pays through the control API; without a body the whole invoice is paid and QPay's callback is sent.</summary>
    public static async Task<JsonElement> PayAsync(HttpClient http, string invoiceId, string? json = null)
    {
        using var response = json is null
            ? await http.PostAsync($"/sandbox/invoices/{invoiceId}/pay", null)
            : await PostJsonAsync(http, $"/sandbox/invoices/{invoiceId}/pay", json);
        Assert.Equal(200, (int)response.StatusCode);
        return await JsonAsync(response);
    }

    public static Task<HttpResponseMessage> CheckAsync(HttpClient http, string invoiceId, int pageNumber = 1, int pageLimit = 100) =>
        PostJsonAsync(http, "/v2/payment/check",
            $$$"""{"object_type":"INVOICE","object_id":"{{{invoiceId}}}","offset":{"page_number":{{{pageNumber}}},"page_limit":{{{pageLimit}}}}}""");
}
