using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace QPay.Functions.QPayApi;

public static class QPayServiceCollectionExtensions
{
    /// <summary>The QPay API client, its token cache and its settings.</summary>
    public static IServiceCollection AddQPayClient(this IServiceCollection services)
    {
        services.AddOptions<QPayOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QPayOptions>, QPayOptionsValidator>();
        return services;
    }
}
