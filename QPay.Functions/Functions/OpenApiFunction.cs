using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.OpenApi;

namespace QPay.Functions.Functions;

/// <summary>
/// GET /openapi.json (anonymous): the API's OpenAPI document, cacheable for an hour and answered
/// 304 when If-None-Match names its ETag.
/// </summary>
public sealed class OpenApiFunction
{
    public const string CacheControl = "public, max-age=3600";

    [Function(nameof(GetOpenApiDocument))]
    public IActionResult GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request)
    {
        var document = OpenApiDocumentFile.Instance;
        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = CacheControl;
        headers.ETag = document.ETag;
        if (request.Headers.IfNoneMatch.Any(value => value is not null && value.Contains(document.ETag, StringComparison.Ordinal)))
        {
            return new StatusCodeResult(StatusCodes.Status304NotModified);
        }

        return new FileContentResult(document.Content, "application/json");
    }
}
