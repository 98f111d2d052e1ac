using System.Text.Json;
using QPay.Sandbox.Json;

namespace QPay.Sandbox.Api.Payments;

/// <summary><c>offset.page_number</c> (from 1) and <c>offset.page_limit</c> (at least 1; default 100).</summary>
internal sealed record Paging(int PageNumber, int PageLimit)
{
    public const int DefaultPageLimit = 100;

    /// <summary>The page, or the field errors of QPay's nested 400 (<c>page_limit</c> below 1 is <c>MIN_NUMBER</c>).</summary>
    public static (Paging? Paging, Dictionary<string, FieldError> Errors) Read(JsonElement? body)
    {
        var errors = new Dictionary<string, FieldError>(StringComparer.Ordinal);
        var offset = body.Property("offset");
        var pageNumber = Number(offset, "page_number", 1, errors);
        var pageLimit = Number(offset, "page_limit", DefaultPageLimit, errors);
        return errors.Count > 0 ? (null, errors) : (new Paging(pageNumber, pageLimit), errors);
    }

    public IEnumerable<T> Apply<T>(IEnumerable<T> items) =>
        items.Skip((int)Math.Min(int.MaxValue, (long)(PageNumber - 1) * PageLimit)).Take(PageLimit);

    private static int Number(JsonElement? offset, string field, int fallback, Dictionary<string, FieldError> errors)
    {
        if (offset.Property(field) is not { } element)
        {
            return fallback;
        }

        if (!((JsonElement?)element).TryInt(out var value))
        {
            errors[field] = FieldErrors.Number();
            return fallback;
        }

        if (value < 1)
        {
            errors[field] = FieldErrors.MinNumber(1);
        }

        return value;
    }
}
