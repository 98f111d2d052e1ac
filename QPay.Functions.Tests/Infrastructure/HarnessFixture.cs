namespace QPay.Functions.Tests.Infrastructure;

/// <summary>One default <see cref="PaymentsHarness"/> shared by the tests of a class (xunit class fixture).</summary>
public sealed class HarnessFixture : IAsyncLifetime
{
    internal PaymentsHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync() => Harness = await PaymentsHarness.StartAsync();

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}
