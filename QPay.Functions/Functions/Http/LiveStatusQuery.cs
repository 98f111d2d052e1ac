using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Functions.Http;

/// <summary>
/// The live-status parameters of a status request: <c>waitSec</c> (a whole number 1-25, how long
/// to wait for a change) and <c>known</c> (the status the caller has). Both optional; without
/// <c>waitSec</c> the answer is immediate.
/// </summary>
public sealed record LiveStatusQuery(TimeSpan? Wait, string? Known)
{
    public const int MaxWaitSeconds = 25;

    private static readonly string[] Statuses = Enum.GetValues<SessionStatus>().Select(s => s.ToApi()).ToArray();

    public static (LiveStatusQuery? Query, IActionResult? Error) Parse(IQueryCollection query)
    {
        TimeSpan? wait = null;
        if (query.TryGetValue("waitSec", out var waitValues))
        {
            if (!int.TryParse(waitValues.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > MaxWaitSeconds)
            {
                return (null, ApiError.BadRequest($"waitSec must be a whole number of seconds from 1 to {MaxWaitSeconds}.", "waitSec"));
            }

            wait = TimeSpan.FromSeconds(seconds);
        }

        string? known = null;
        if (query.TryGetValue("known", out var knownValues))
        {
            known = knownValues.ToString();
            if (!Statuses.Contains(known, StringComparer.Ordinal))
            {
                return (null, ApiError.BadRequest($"known must be one of {string.Join(", ", Statuses)}.", "known"));
            }
        }

        return (new LiveStatusQuery(wait, known), null);
    }
}
