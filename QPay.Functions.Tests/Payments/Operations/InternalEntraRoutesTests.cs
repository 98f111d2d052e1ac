using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using QPay.Functions.Functions;
using QPay.Functions.Security;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Payments.Operations;

/// <summary>
/// INTERNAL_AUTH_MODE=EntraId on the real internal routes (the app built by its start-up code,
/// Azurite, Redis, the sandbox) against a loopback tenant: the role opens them, no token or no
/// role closes them, the x-internal-request rule still holds, and no internal route is forgotten.
/// </summary>
public sealed class InternalEntraRoutesTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Internal = new() { ["x-internal-request"] = "true" };

    private TestEntraTenant _tenant = null!;
    private PaymentsHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _tenant = await TestEntraTenant.StartAsync();
        _harness = await PaymentsHarness.StartAsync(settings: _tenant.Settings());
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _tenant.DisposeAsync();
    }

    [Fact]
    public async Task A_service_with_the_app_role_lists_a_users_sessions()
    {
        var user = "entra-" + Guid.NewGuid().ToString("N")[..10];
        var (sessionId, _) = await _harness.SeedTwoSellerSessionAsync(user);

        var answer = await ListSessionsAsync(user, _tenant.Token([TestEntraTenant.Role]));

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        Assert.Equal(sessionId, Assert.Single(answer.Body.GetProperty("sessions").EnumerateArray()).GetProperty("sessionId").GetString());
    }

    [Fact]
    public async Task A_service_with_a_v2_token_and_the_role_reads_the_pending_refunds()
    {
        var request = Request(HttpRequests.Get("status=pending", headers: Internal, bearer: _tenant.Token([TestEntraTenant.Role], v2: true)));

        var answer = await PaymentsHarness.InvokeAsync(_harness.Function<RefundFunctions>().ListRefunds, request);

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
    }

    [Fact]
    public async Task Without_a_token_the_route_answers_401_with_a_bearer_challenge()
    {
        var answer = await ListSessionsAsync("u-1", token: null);

        Assert.Equal(StatusCodes.Status401Unauthorized, answer.Status);
        Assert.Equal("UNAUTHORIZED", answer.Error);
        Assert.Equal(InternalCallerAuthenticator.MissingTokenMessage, answer.Body.GetProperty("message").GetString());
        Assert.Equal("Bearer", answer.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task A_token_for_another_api_is_401()
    {
        var answer = await ListSessionsAsync("u-1", _tenant.Token([TestEntraTenant.Role], audience: "api://another-api"));

        Assert.Equal(StatusCodes.Status401Unauthorized, answer.Status);
        Assert.Equal("Invalid token: wrong audience.", answer.Body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_valid_token_without_the_role_is_403_app_role_required()
    {
        var answer = await ListSessionsAsync("u-1", _tenant.Token(["Orders.Read"]));

        Assert.Equal(StatusCodes.Status403Forbidden, answer.Status);
        Assert.Equal("APP_ROLE_REQUIRED", answer.Error);
    }

    [Fact]
    public async Task The_internal_header_is_still_required_with_a_good_token()
    {
        var request = Request(HttpRequests.Get("userId=u-1", bearer: _tenant.Token([TestEntraTenant.Role])));

        var answer = await PaymentsHarness.InvokeAsync(_harness.Function<AdminFunctions>().ListPaymentSessions, request);

        Assert.Equal(StatusCodes.Status403Forbidden, answer.Status);
        Assert.Equal("FORBIDDEN", answer.Error);
        Assert.Equal(InternalRequest.MissingHeaderMessage, answer.Body.GetProperty("message").GetString());
    }

    public static TheoryData<string> InternalFunctions()
    {
        var data = new TheoryData<string>();
        foreach (var method in InternalMethods())
        {
            data.Add(method.DeclaringType!.Name + "." + method.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(InternalFunctions))]
    public async Task Every_internal_route_refuses_a_call_without_a_token(string function)
    {
        var method = InternalMethods().Single(m => m.DeclaringType!.Name + "." + m.Name == function);
        var request = Request(HttpRequests.Raw(HttpMethods.Post, "{}", headers: Internal));
        var instance = ActivatorUtilities.CreateInstance(_harness.Services, method.DeclaringType!);
        var arguments = method.GetParameters().Select(p =>
            p.ParameterType == typeof(HttpRequest) ? request
            : p.ParameterType == typeof(CancellationToken) ? (object)CancellationToken.None
            : p.ParameterType == typeof(string) ? "x"
            : throw new InvalidOperationException($"{function} takes a {p.ParameterType.Name}; teach this test to pass one.")).ToArray();

        var result = await (Task<IActionResult>)method.Invoke(instance, arguments)!;

        var answer = Answer.From(result, request.HttpContext.Response);
        Assert.Equal(StatusCodes.Status401Unauthorized, answer.Status);
        Assert.Equal("UNAUTHORIZED", answer.Error);
    }

    private static IEnumerable<MethodInfo> InternalMethods() =>
        typeof(AdminFunctions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null
                && m.GetParameters().Any(p => p.GetCustomAttribute<HttpTriggerAttribute>() is { AuthLevel: AuthorizationLevel.Function }))
            .OrderBy(m => m.DeclaringType!.Name + "." + m.Name, StringComparer.Ordinal);

    private Task<Answer> ListSessionsAsync(string userId, string? token) =>
        PaymentsHarness.InvokeAsync(
            _harness.Function<AdminFunctions>().ListPaymentSessions,
            Request(HttpRequests.Get($"userId={userId}", headers: Internal, bearer: token)));

    /// <summary>The request with the app's services, as the worker gives every request.</summary>
    private HttpRequest Request(HttpRequest request)
    {
        request.HttpContext.RequestServices = _harness.Services;
        return request;
    }
}
