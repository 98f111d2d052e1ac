using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using QPay.Functions.Tests.Infrastructure;
using System.Text;
using static QPay.Functions.Tests.Sandbox.SandboxHttp;

namespace QPay.Functions.Tests.Sandbox;

/// <summary>The standalone run (Program): <c>dotnet QPay.Sandbox.dll --urls ...</c>, logging one line per request.</summary>
public sealed class SandboxStandaloneTests
{
    [Fact]
    public async Task Standalone_sandbox_listens_on_urls_and_logs_requests_without_credentials_or_tokens()
    {
        var port = LocalStack.FreePort();
        var output = new StringBuilder();
        using var process = StartSandboxProcess($"--urls http://127.0.0.1:{port} --Sandbox:TokenLifetimeSeconds=600", output);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var started = DateTimeOffset.UtcNow;
            using var token = await WaitForTokenAsync(http);
            var body = await JsonAsync(token);
            var accessToken = body.GetProperty("access_token").GetString()!;
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
            using var create = await PostJsonAsync(http, "/v2/invoice", InvoiceJson(CallbackBase));
            await Eventually.UntilAsync(() => output.ToString().Contains("POST /v2/invoice ->", StringComparison.Ordinal), "the sandbox's request log line");

            var log = output.ToString();
            Assert.Equal(HttpStatusCode.OK, create.StatusCode);
            Assert.InRange(body.GetProperty("expires_in").GetInt64(), started.ToUnixTimeSeconds() + 599, started.ToUnixTimeSeconds() + 660);
            Assert.Contains("POST /v2/auth/token -> 200", log);
            Assert.Contains("POST /v2/invoice -> 200", log);
            Assert.DoesNotContain(accessToken, log);
            Assert.DoesNotContain(Basic("TEST_MERCHANT", "123456").Parameter!, log);
            Assert.DoesNotContain("Bearer", log);
            Assert.DoesNotContain("Authorization", log);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static Process StartSandboxProcess(string arguments, StringBuilder output)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "QPay.Sandbox.dll");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static async Task<HttpResponseMessage> WaitForTokenAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await TokenAsync(http);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
