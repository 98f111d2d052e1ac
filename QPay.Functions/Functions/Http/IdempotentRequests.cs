using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using QPay.Functions.Storage;

namespace QPay.Functions.Functions.Http;

/// <summary>
/// The <c>Idempotency-Key</c> header of an unsafe internal route: the same key answers the same
/// result (replayed, byte for byte, with <c>Idempotent-Replayed: true</c>), the same key with
/// another request is 409 <c>IDEMPOTENCY_KEY_REUSED</c>, no key is 400. Answers of 5xx are not
/// kept, so a retry after a failure runs again (the operation behind must be idempotent itself).
/// </summary>
public sealed class IdempotentRequests(IIdempotencyStore store)
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxKeyLength = 255;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The key of the request, or the 400 to answer when it has none (or one that is not 1-255 visible ASCII characters).</summary>
    public static (string? Key, IActionResult? Error) ReadKey(HttpRequest request)
    {
        var key = request.Headers[HeaderName].ToString();
        return key.Length is > 0 and <= MaxKeyLength && key.All(c => c is > ' ' and <= '~')
            ? (key, null)
            : (null, ApiError.Result(
                StatusCodes.Status400BadRequest,
                "IDEMPOTENCY_KEY_REQUIRED",
                $"The {HeaderName} header is required: 1-{MaxKeyLength} visible ASCII characters, one per intended operation.",
                HeaderName));
    }

    /// <param name="fingerprint">The request as the operation sees it (never logged).</param>
    /// <param name="isFinal">False for an answer that asks the caller to try again later (it is not kept under the key).</param>
    public async Task<IActionResult> RunAsync(
        HttpRequest request, string scope, string key, string fingerprint, Func<Task<ObjectResult>> operation, Func<ObjectResult, bool> isFinal, CancellationToken cancellationToken)
    {
        var claim = await store.BeginAsync(scope, key, fingerprint, cancellationToken);
        switch (claim.State)
        {
            case IdempotencyState.Mismatch:
                return ApiError.Result(
                    StatusCodes.Status409Conflict,
                    "IDEMPOTENCY_KEY_REUSED",
                    $"This {HeaderName} was used for another request; use a new key for a new operation.",
                    HeaderName);
            case IdempotencyState.Replay:
                request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
                return Content(claim.Response!);
        }

        var result = await operation();
        var status = result.StatusCode ?? StatusCodes.Status200OK;
        var answer = new IdempotentResponse(status, JsonSerializer.Serialize(result.Value, result.Value?.GetType() ?? typeof(object), Json));
        if (status < 500 && isFinal(result))
        {
            await store.CompleteAsync(scope, key, answer, CancellationToken.None);
        }

        return Content(answer);
    }

    private static ContentResult Content(IdempotentResponse response) =>
        new() { StatusCode = response.StatusCode, Content = response.Body, ContentType = "application/json; charset=utf-8" };
}
