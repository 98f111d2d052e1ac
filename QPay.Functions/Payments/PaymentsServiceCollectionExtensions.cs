using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>Sessions, webhook verification, order creation and status.</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services)
    {
        services.AddOptions<PaymentOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PaymentOptions>, PaymentOptionsValidator>();

        services.AddSingleton<ISessionStore, SessionTableStore>();
        services.AddSingleton<ISessionCache, RedisSessionCache>();
        services.AddSingleton<SeedSessionService>();
        return services;
    }
}
