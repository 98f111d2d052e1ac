using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace QPay.Functions.Payments;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>Sessions, webhook verification, order creation and status.</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services)
    {
        services.AddOptions<PaymentOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PaymentOptions>, PaymentOptionsValidator>();
        return services;
    }
}
