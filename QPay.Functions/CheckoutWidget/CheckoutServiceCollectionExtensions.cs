using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace QPay.Functions.CheckoutWidget;

public static class CheckoutServiceCollectionExtensions
{
    public static IServiceCollection AddCheckout(this IServiceCollection services)
    {
        services.AddOptions<CheckoutOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CheckoutOptions>, CheckoutOptionsValidator>();
        services.AddSingleton<DemoCheckout>();
        return services;
    }
}
