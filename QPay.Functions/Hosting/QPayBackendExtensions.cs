using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.CheckoutWidget;
using QPay.Functions.Payments;
using QPay.Functions.QPayApi;
using QPay.Functions.Security;
using QPay.Functions.Storage;
using QPay.Functions.Telemetry;

namespace QPay.Functions.Hosting;

/// <summary>
/// The one place the app is composed. Program.cs and the tests both call
/// <see cref="AddQPayBackend"/>, so the tests resolve exactly what the worker runs.
/// </summary>
public static class QPayBackendExtensions
{
    public static FunctionsApplicationBuilder AddQPayBackend(this FunctionsApplicationBuilder builder)
    {
        builder.Configuration.AddQPayKeyVaultSecrets(); // secrets from KEY_VAULT_URI, when set
        builder.AddQPayTelemetry();                     // Application Insights, when its connection string is set
        builder.Logging.AddQPayLogFilters();
        builder.Services.AddQPayBackendServices();
        builder.Services.RemoveDataProtectionPreload(); // registered by ConfigureFunctionsWebApplication's AddMvc, unused here
        builder.UseWhen<HttpExceptionMiddleware>(IsHttpFunction);
        return builder;
    }

    public static IServiceCollection AddQPayBackendServices(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DeploymentEnvironment>(); // read by the validators that are stricter outside local development
        services.AddMetrics();
        services.AddSingleton<PaymentMetrics>();
        services.AddOptions<KeyVaultOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeyVaultOptions>, KeyVaultOptionsValidator>();

        services.AddStorage();
        services.AddQPayClient();
        services.AddSecurity();
        services.AddPayments();
        services.AddCheckout();
        services.AddSingleton<Functions.Http.IdempotentRequests>();
        services.AddSingleton<Functions.Http.SessionReads>();
        return services;
    }

    /// <summary>
    /// Framework categories that write Information lines on every request: ASP.NET Core (request
    /// start and end, endpoint, result executor), IHttpClientFactory and Polly. Their request lines
    /// carry full URLs, and the webhook's callback URL holds its token in the query; each line is also
    /// an RpcLog message to the host and a trace in Application Insights. Our own lines say what
    /// happened, with ids only; the framework's warnings and errors still go out.
    /// </summary>
    public static ILoggingBuilder AddQPayLogFilters(this ILoggingBuilder logging) => logging
        .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
        .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)
        .AddFilter("Polly", LogLevel.Warning);

    private static bool IsHttpFunction(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(b => b.Type == "httpTrigger");
}
