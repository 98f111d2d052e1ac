namespace QPay.Functions.Tests.Infrastructure;

/// <summary>Asks again until the answer is the expected one, for outcomes that a loaded machine may give late.</summary>
internal static class Eventually
{
    /// <summary>Generous: outcomes arrive in seconds, a slow shared machine must not fail a test.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The first result that satisfies <paramref name="done"/>, or the last one after <see cref="Patience"/>
    /// (the caller's assertion then fails on it).
    /// </summary>
    public static async Task<T> ResultAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var result = await probe();
            if (done(result) || DateTime.UtcNow > deadline)
            {
                return result;
            }

            if (result is IDisposable disposable)
            {
                disposable.Dispose();
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Polls until the condition holds, failing after <see cref="Patience"/> with what was awaited.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        if (!await ResultAsync(condition, held => held))
        {
            Assert.Fail($"Timed out after {Patience} waiting for {what}.");
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>GET /health until it answers 200: a cold app's first checks (Redis connect, storage clients) can outlast their 3 s timeout.</summary>
    public static Task<HttpResponseMessage> HealthyAsync(HttpClient client) =>
        ResultAsync(() => client.GetAsync("health"), r => r.IsSuccessStatusCode);
}
