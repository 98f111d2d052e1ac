namespace QPay.Functions.Tests.Infrastructure;

/// <summary>Asks again until the answer is the expected one, for probes that a loaded machine may answer late once.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

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

            await Task.Delay(250);
        }
    }

    /// <summary>GET /health until it answers 200: a cold app's first checks (Redis connect, storage clients) can outlast their 3 s timeout.</summary>
    public static Task<HttpResponseMessage> HealthyAsync(HttpClient client) =>
        ResultAsync(() => client.GetAsync("health"), r => r.IsSuccessStatusCode);
}
