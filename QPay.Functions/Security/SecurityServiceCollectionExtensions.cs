using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace QPay.Functions.Security;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>JWT validation, webhook tokens, the session-cache MAC and the internal callers (header, or Entra ID app role).</summary>
    public static IServiceCollection AddSecurity(this IServiceCollection services)
    {
        services.AddOptions<WebhookTokenOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookTokenOptions>, WebhookTokenOptionsValidator>();
        services.AddOptions<JwtAuthOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JwtAuthOptions>, JwtAuthOptionsValidator>();
        services.AddSingleton<IWebhookTokens, WebhookTokens>();
        services.AddSingleton<ISessionCacheSigner, SessionCacheSigner>();
        services.AddSingleton<IUserAuthenticator, JwtUserAuthenticator>();
        services.AddOptions<InternalAuthOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<IValidateOptions<InternalAuthOptions>, InternalAuthOptionsValidator>();
        services.AddSingleton<IInternalCallerAuthenticator, InternalCallerAuthenticator>();
        return services;
    }
}
