using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using QPay.Functions.Functions.Http;
using QPay.Functions.Payments.Ledger;
using QPay.Functions.Security;

namespace QPay.Functions.Functions;

/// <summary>
/// The daily ledger check (<see cref="LedgerCheck"/>): a timer for the previous UTC day, and the
/// operator's read and "run now" of one day (internal: function key + <c>x-internal-request: true</c>).
/// </summary>
public sealed class LedgerFunctions(LedgerCheck ledger, TimeProvider clock)
{
    /// <summary>Daily at 00:30 UTC, so the previous UTC day is over (and QPay's list of it settled) when it is read.</summary>
    public const string Schedule = "0 30 0 * * *";

    private const string Route = "order/api/internal/payments/qpay/ledger/{date}";

    [Function(nameof(DailyLedgerCheck))]
    public Task DailyLedgerCheck([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        ledger.RunDailyAsync(cancellationToken);

    [Function(nameof(GetLedgerRun))]
    public async Task<IActionResult> GetLedgerRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Route)] HttpRequest request,
        string date,
        CancellationToken cancellationToken)
    {
        var (refused, day) = await RefuseAsync(request, date, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }

        return await ledger.GetAsync(day, cancellationToken) is { } run
            ? new OkObjectResult(run)
            : ApiError.Result(StatusCodes.Status404NotFound, "NOT_FOUND", "The ledger check has not run for this date.", "date");
    }

    [Function(nameof(RunLedgerCheck))]
    public async Task<IActionResult> RunLedgerCheck(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Route)] HttpRequest request,
        string date,
        CancellationToken cancellationToken)
    {
        var (refused, day) = await RefuseAsync(request, date, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }

        var run = await ledger.RunAsync(day, cancellationToken);
        return run.IsFailed
            ? ApiError.Result(
                StatusCodes.Status502BadGateway,
                "QPAY_LIST_FAILED",
                $"QPay's payment list could not be read ({run.Error}); the run is stored as failed, try again later.")
            : new OkObjectResult(run);
    }

    private async Task<(IActionResult? Refused, DateOnly Day)> RefuseAsync(HttpRequest request, string date, CancellationToken cancellationToken)
    {
        if (await request.RefuseUnlessInternalAsync(cancellationToken) is { } notInternal)
        {
            return (notInternal, default);
        }

        if (LedgerDates.ParsePast(date, clock) is not { } parsed)
        {
            return (ApiError.Result(StatusCodes.Status400BadRequest, "INVALID_DATE", $"date must be a UTC day written {LedgerDates.Pattern}, not after today nor more than {LedgerDates.MaxYearsBack} years before it.", "date"), default);
        }

        return (null, parsed);
    }
}
