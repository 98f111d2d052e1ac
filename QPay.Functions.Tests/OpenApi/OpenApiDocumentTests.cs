using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using QPay.Functions.Functions;
using QPay.Functions.OpenApi;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.OpenApi;

/// <summary>
/// GET /openapi.json: the document parses with the reference OpenAPI reader without an error or a
/// warning, and lists exactly the HTTP routes of the compiled functions.metadata, each answer schema
/// compiling as JSON Schema.
/// </summary>
public sealed class OpenApiDocumentTests
{
    [Fact]
    public void The_document_is_OpenAPI_3_1_and_parses_with_no_error_and_no_warning()
    {
        var settings = new OpenApiReaderSettings();
        var (document, diagnostic) = OpenApiDocument.Parse(OpenApiContract.Text, OpenApiConstants.Json, settings);

        Assert.NotNull(document);
        Assert.Empty(diagnostic!.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        var validation = document!.Validate(ValidationRuleSet.GetDefaultRuleSet())!.ToList();
        Assert.Empty(validation.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal(OpenApiContract.Operations().Count(), document.Paths.Sum(p => p.Value.Operations?.Count ?? 0));
    }

    [Fact]
    public void Every_reference_of_the_document_resolves()
    {
        var references = System.Text.RegularExpressions.Regex.Matches(OpenApiContract.Text, @"""\$ref""\s*:\s*""(#[^""]+)""").Select(m => m.Groups[1].Value).Distinct().ToList();
        var unresolved = references.Where(r => r.TrimStart('#', '/').Split('/')
            .Aggregate<string, System.Text.Json.Nodes.JsonNode?>(OpenApiContract.Document, (node, part) => node?[part.Replace("~1", "/").Replace("~0", "~")]) is null).ToList();

        Assert.True(references.Count > 50, $"only {references.Count} references");
        Assert.Empty(unresolved);
    }

    [Fact]
    public void Every_http_function_of_functions_metadata_is_documented_with_its_method()
    {
        var documented = OpenApiContract.Operations().ToHashSet();
        var missing = ServedOperations().Where(served => !documented.Contains(served)).Select(s => $"{s.Method.ToUpperInvariant()} {s.Path}").ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void The_document_has_no_path_the_app_does_not_serve()
    {
        var served = ServedOperations().ToList();
        var unserved = OpenApiContract.Operations()
            .Where(op => !served.Any(s => s.Method == op.Method && Matches(s.Path, op.Path)))
            .Select(op => $"{op.Method.ToUpperInvariant()} {op.Path}")
            .ToList();

        Assert.Empty(unserved);
    }

    [Fact]
    public void Every_documented_json_answer_compiles_as_a_json_schema_and_every_operation_documents_its_errors()
    {
        var compiled = 0;
        foreach (var (path, method) in OpenApiContract.Operations())
        {
            var responses = OpenApiContract.Document["paths"]![path]![method]!["responses"]!.AsObject();
            // Every operation documents its success: a 200, or the 302 of a redirect (the checkout demo).
            Assert.True(responses.ContainsKey("200") || responses.ContainsKey("302"), $"{method} {path} documents no 200 (or 302)");
            Assert.True(responses.ContainsKey("500"), $"{method} {path} documents no 500");
            if (path.StartsWith("/order/api/internal/", StringComparison.Ordinal))
            {
                Assert.True(responses.ContainsKey("403"), $"{method} {path} documents no 403 for a missing internal header");
                Assert.True(responses.ContainsKey("401"), $"{method} {path} documents no 401 for a missing function key");
            }

            foreach (var (status, response) in responses)
            {
                var resolved = response!["$ref"]?.GetValue<string>() is { } reference
                    ? OpenApiContract.Document["components"]!["responses"]![reference.Split('/')[^1]]!
                    : response;
                if (resolved["content"]?["application/json"] is null)
                {
                    continue;
                }

                Assert.NotNull(OpenApiContract.SchemaOf(path, method, int.Parse(status, System.Globalization.CultureInfo.InvariantCulture)));
                compiled++;
            }
        }

        Assert.True(compiled > 80, $"only {compiled} answer schemas");
    }

    [Fact]
    public void An_answer_off_the_schema_fails_naming_path_status_and_the_error()
    {
        using var wrong = JsonDocument.Parse("""{"ok":true,"status":"SOMETHING","orderIds":[],"expectedAmount":1,"expiresAt":"x","paidAmount":null}""");

        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => OpenApiContract.AssertAnswer("/payments/qpay/status", "get", 200, wrong.RootElement));

        Assert.Contains("GET /payments/qpay/status 200", failure.Message, StringComparison.Ordinal);
        Assert.Contains("invoiceId", failure.Message, StringComparison.Ordinal);
        Assert.Contains("/status", failure.Message, StringComparison.Ordinal);
        using var nullField = JsonDocument.Parse("""{"error":"NOT_FOUND","message":"m","field":null}""");
        OpenApiContract.AssertAnswer("/payments/qpay/status", "get", 404, nullField.RootElement);
    }

    [Fact]
    public void Internal_operations_need_the_function_key_and_the_internal_header_public_ones_the_user_jwt()
    {
        foreach (var (path, method) in OpenApiContract.Operations())
        {
            var operation = OpenApiContract.Document["paths"]![path]![method]!;
            var security = operation["security"]!.AsArray().Select(s => string.Join(',', s!.AsObject().Select(p => p.Key))).Order().ToList();
            var parameters = operation["parameters"]?.AsArray().Select(p => p!["$ref"]?.GetValue<string>()).ToList() ?? [];
            if (path.StartsWith("/order/api/internal/", StringComparison.Ordinal))
            {
                Assert.Equal(["functionKeyHeader", "functionKeyQuery"], security);
                Assert.Contains("#/components/parameters/InternalRequest", parameters);
            }
            else if (path is "/payments/qpay/seed-session" or "/payments/qpay/status" or "/payments/qpay/cancel" or "/payments/qpay/ebarimt")
            {
                Assert.Equal(["accessTokenCookie", "userJwt"], security);
            }
            else
            {
                Assert.Empty(security);
            }
        }
    }

    [Fact]
    public void The_function_serves_the_embedded_document_as_cacheable_json_and_answers_304_to_its_etag()
    {
        var function = new OpenApiFunction();
        var request = HttpRequests.Get(string.Empty);

        var result = Assert.IsType<FileContentResult>(function.GetOpenApiDocument(request));

        Assert.Equal("application/json", result.ContentType);
        using var served = JsonDocument.Parse(result.FileContents);
        Assert.Equal("3.1.0", served.RootElement.GetProperty("openapi").GetString());
        Assert.Equal(OpenApiFunction.CacheControl, request.HttpContext.Response.Headers.CacheControl.ToString());
        var etag = request.HttpContext.Response.Headers.ETag.ToString();
        Assert.Equal(OpenApiDocumentFile.Instance.ETag, etag);
        Assert.Matches("^\"[0-9a-f]{32}\"$", etag);

        var again = HttpRequests.Get(string.Empty, headers: new Dictionary<string, string> { ["If-None-Match"] = etag });
        Assert.Equal(StatusCodes.Status304NotModified, Assert.IsType<StatusCodeResult>(function.GetOpenApiDocument(again)).StatusCode);
        var other = HttpRequests.Get(string.Empty, headers: new Dictionary<string, string> { ["If-None-Match"] = "\"other\"" });
        Assert.IsType<FileContentResult>(function.GetOpenApiDocument(other));
    }

    /// <summary>The HTTP functions of the build's functions.metadata as (path, method): <c>/</c> + route, catch-all and constraints dropped.</summary>
    private static IEnumerable<(string Path, string Method)> ServedOperations()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.FunctionsAppOutput, "functions.metadata")));
        foreach (var function in metadata.RootElement.EnumerateArray())
        {
            foreach (var binding in function.GetProperty("bindings").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "httpTrigger"))
            {
                var route = "/" + System.Text.RegularExpressions.Regex.Replace(binding.GetProperty("route").GetString()!, @"\{\*?([A-Za-z0-9_]+)[^}]*\}", "{$1}");
                foreach (var method in binding.GetProperty("methods").EnumerateArray())
                {
                    yield return (route, method.GetString()!.ToLowerInvariant());
                }
            }
        }
    }

    /// <summary>A served route template matches a documented path: equal segments, or a served <c>{parameter}</c> for any one.</summary>
    private static bool Matches(string served, string documented)
    {
        var s = served.Trim('/').Split('/');
        var d = documented.Trim('/').Split('/');
        return s.Length == d.Length && s.Zip(d).All(pair => pair.First == pair.Second || pair.First.StartsWith('{'));
    }
}
