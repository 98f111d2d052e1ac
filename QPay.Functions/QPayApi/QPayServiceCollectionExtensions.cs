using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace QPay.Functions.QPayApi;

public static class QPayServiceCollectionExtensions
{
    internal const string AuthClientName = "qpay-auth";

    /// <summary>The QPay API client, its token cache and its settings.</summary>
    public static IServiceCollection AddQPayClient(this IServiceCollection services)
    {
        services.AddOptions<QPayOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QPayOptions>, QPayOptionsValidator>();

        services.AddTransient<QPayResponseBuffering>();
        var auth = services.AddHttpClient(AuthClientName, ConfigureClient);
        auth.AddResilienceHandler("qpay-auth", ConfigureResilience);
        auth.AddHttpMessageHandler<QPayResponseBuffering>(); // inside the pipeline: its timeouts cover the body
        services.AddSingleton<QPayAuthClient>();
        services.AddSingleton<QPayTokenCache>();
        services.AddSingleton<IQPayTokenProvider>(sp => sp.GetRequiredService<QPayTokenCache>());
        services.AddTransient<QPayAuthHandler>();

        // Order matters: the token handler is outermost, so getting or renewing a token (which has
        // its own client, timeouts and retries) never eats the call's attempt budget, and a 401
        // renewal resends the call through the whole resilience pipeline once.
        var api = services.AddHttpClient<IQPayClient, QPayClient>(ConfigureClient);
        api.AddHttpMessageHandler<QPayAuthHandler>();
        api.AddResilienceHandler("qpay-api", ConfigureResilience);
        api.AddHttpMessageHandler<QPayResponseBuffering>(); // inside the pipeline: its timeouts cover the body
        return services;
    }

    private static void ConfigureClient(IServiceProvider services, HttpClient client)
    {
        client.BaseAddress = services.GetRequiredService<IOptions<QPayOptions>>().Value.ApiRoot;
        client.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns every timeout, the body's included
    }

    /// <summary>
    /// Total budget, then retries with exponential backoff and jitter for requests marked
    /// retryable (token, payment/check, GETs) on transient failures only, then a per-attempt timeout.
    /// </summary>
    private static void ConfigureResilience(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ResilienceHandlerContext context)
    {
        var settings = context.ServiceProvider.GetRequiredService<IOptions<QPayOptions>>().Value;
        pipeline
            .AddTimeout(TimeSpan.FromSeconds(settings.TotalTimeoutSeconds))
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldHandle = args => ValueTask.FromResult(
                    QPayRequests.IsRetryable(args.Context.GetRequestMessage())
                    && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
            })
            .AddTimeout(TimeSpan.FromSeconds(settings.AttemptTimeoutSeconds));
    }
}
