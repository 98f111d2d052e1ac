using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace QPay.Functions.Hosting;

/// <summary>
/// The Functions ASP.NET Core integration calls <c>AddMvc</c>, which registers Data Protection's hosted
/// service: at start it reads (or creates) the key ring, parsing XML and initialising OpenSSL, before
/// the worker serves anything. Nothing in this app protects data (no cookies, antiforgery or sessions),
/// so the worker starts without that preload; a key ring would still load on first use.
/// </summary>
internal static class DataProtectionPreload
{
    internal const string HostedServiceName = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    public static IServiceCollection RemoveDataProtectionPreload(this IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService) && services[i].ImplementationType?.FullName == HostedServiceName)
            {
                services.RemoveAt(i);
            }
        }

        return services;
    }
}
