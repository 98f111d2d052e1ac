using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace QPay.Functions.Functions.Http;

/// <summary>An optional whole-number query parameter with bounds (page sizes, peeks): its value, or the 400 naming it.</summary>
public static class QueryNumber
{
    /// <returns>The value (<paramref name="fallback"/> when absent), or a 400 VALIDATION_FAILED naming <paramref name="name"/> when it is not a whole number from 1 to <paramref name="max"/>.</returns>
    public static (int Value, IActionResult? Error) Read(HttpRequest request, string name, int fallback, int max)
    {
        var given = request.Query[name].FirstOrDefault();
        if (given is null)
        {
            return (fallback, null);
        }

        return int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 && value <= max
            ? (value, null)
            : (fallback, ApiError.BadRequest($"{name} must be a whole number from 1 to {max}.", name));
    }
}
