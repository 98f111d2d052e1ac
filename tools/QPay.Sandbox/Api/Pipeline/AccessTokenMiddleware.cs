using Microsoft.AspNetCore.Http;
using QPay.Sandbox.Auth;

namespace QPay.Sandbox.Api.Pipeline;

/// <summary>Every /v2 call but token and refresh needs a live bearer access token; otherwise 401 NO_CREDENDIALS.</summary>
internal sealed class AccessTokenMiddleware(RequestDelegate next, TokenIssuer tokens, SandboxOptions options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EndpointKey>() is { RequiresAccessToken: true }
            && (AuthorizationHeader.Bearer(context.Request) is not { } token || !tokens.IsLiveAccessToken(token)))
        {
            await QPayErrors.NoCredentials(options).ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
