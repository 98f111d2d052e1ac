using System.Net;
using Microsoft.AspNetCore.Http;
using QPay.Functions.Functions;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Browser;

/// <summary>The checkout routes without a browser: the demo's switch, called directly.</summary>
public sealed class CheckoutRoutesTests
{
    [Fact]
    public async Task The_demo_is_404_when_its_setting_is_off_and_seeds_nothing()
    {
        await using var harness = await PaymentsHarness.StartAsync(settings: new Dictionary<string, string?> { ["CHECKOUT_DEMO_ENABLED"] = "false" });
        var invoicesBefore = harness.Sandbox.State.Invoices.Count;

        var answer = await PaymentsHarness.InvokeAsync(harness.Function<CheckoutFunctions>().CheckoutDemo, HttpRequests.Get(""));

        Assert.Equal(StatusCodes.Status404NotFound, answer.Status);
        Assert.Equal("NOT_FOUND", answer.Error);
        Assert.Equal(invoicesBefore, harness.Sandbox.State.Invoices.Count);
    }
}
