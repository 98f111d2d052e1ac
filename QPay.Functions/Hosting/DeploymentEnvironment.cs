using Microsoft.Extensions.Configuration;

namespace QPay.Functions.Hosting;

/// <summary>
/// Where the app runs, decided here and nowhere else. Local development is what Core Tools'
/// <c>func start</c> and the repo's dev runner (tools/QPay.FunctionsHost) say by setting
/// <c>AZURE_FUNCTIONS_ENVIRONMENT=Development</c> (or <c>DOTNET_ENVIRONMENT</c>); local.settings.sample.json
/// sets it too. Azure is where App Service sets <c>WEBSITE_INSTANCE_ID</c> / <c>WEBSITE_SITE_NAME</c> on
/// every instance, and it wins: a Development flag copied into Azure does not loosen a setting.
/// Read from configuration (the worker's environment variables), so a test states it in its settings;
/// none of these is an app setting the template sets.
/// </summary>
public sealed class DeploymentEnvironment(IConfiguration configuration)
{
    public const string Development = "Development";

    /// <summary>Running on App Service / Azure Functions: the platform's own variables are set.</summary>
    public bool IsAzure { get; } =
        !string.IsNullOrEmpty(configuration["WEBSITE_INSTANCE_ID"]) || !string.IsNullOrEmpty(configuration["WEBSITE_SITE_NAME"]);

    /// <summary>A developer's machine (func start, the dev runner, the tests' host): Development, and not in Azure.</summary>
    public bool IsLocalDevelopment => !IsAzure && string.Equals(EnvironmentName(configuration), Development, StringComparison.OrdinalIgnoreCase);

    private static string? EnvironmentName(IConfiguration configuration) =>
        configuration["AZURE_FUNCTIONS_ENVIRONMENT"] is { Length: > 0 } functions ? functions : configuration["DOTNET_ENVIRONMENT"];
}
