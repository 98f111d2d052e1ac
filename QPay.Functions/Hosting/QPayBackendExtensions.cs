using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments;
using QPay.Functions.QPayApi;
using QPay.Functions.Security;
using QPay.Functions.Storage;

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
        builder.Services.AddQPayBackendServices();
        builder.UseWhen<HttpExceptionMiddleware>(IsHttpFunction);
        return builder;
    }

    public static IServiceCollection AddQPayBackendServices(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<KeyVaultOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeyVaultOptions>, KeyVaultOptionsValidator>();

        services.AddStorage();
        services.AddQPayClient();
        services.AddSecurity();
        services.AddPayments();
        return services;
    }

    private static bool IsHttpFunction(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(b => b.Type == "httpTrigger");
}
