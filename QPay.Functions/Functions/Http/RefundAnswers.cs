using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using QPay.Functions.Payments.Refunding;
using QPay.Functions.Payments.Refunds;
using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Functions.Http;

/// <summary>A refund as the internal routes show it (an operator's view: note and reference included).</summary>
public sealed record RefundView(
    string RefundId, string SessionId, string InvoiceId, RefundKind Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PaymentId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ShopId,
    decimal Amount, RefundMethod Method, RefundStatus Status, string Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? RefundedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reference,
    int Attempts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LastError)
{
    public static RefundView From(RefundRecord r) => new(
        r.RefundId, r.SessionId, r.InvoiceId, r.Kind, r.PaymentId, r.ShopId, r.AmountMnt, r.Method, r.Status, r.Reason, r.Note,
        r.CreatedAt, r.RefundedAt, r.Reference, r.Attempts, r.LastError);
}

/// <summary>The answers of the refund routes, mapped from <see cref="RefundResult"/>.</summary>
public static class RefundAnswers
{
    public sealed record SessionRefundResponse(
        bool Ok, string SessionId, string Status, SessionRefund? Refund,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RefundView? Share);

    public sealed record SettleResponse(bool Ok, RefundView Refund, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SessionStatus);

    /// <summary>The ApiError fields, with the session's status or the refund concerned.</summary>
    public sealed record RefundConflict(
        string Error, string Message,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RefundView? Refund);

    /// <summary>Every answer is kept under its idempotency key but ORDERS_NOT_CREATED, which asks to try again.</summary>
    public static bool IsFinal(ObjectResult result) => result.Value is not RefundConflict { Error: "ORDERS_NOT_CREATED" };

    public static ObjectResult ForSession(RefundOutcome outcome, string? shopId)
    {
        var session = outcome.Session;
        var status = session?.Status.ToApi();
        return outcome.Result switch
        {
            RefundResult.Accepted => new OkObjectResult(new SessionRefundResponse(
                true, session!.SessionId, status!, session.Refund, outcome.Refund is null ? null : RefundView.From(outcome.Refund))),
            RefundResult.NotFound => Problem(StatusCodes.Status404NotFound, "NOT_FOUND", "No payment session with this sessionId.", "sessionId"),
            RefundResult.NotYet => Problem(StatusCodes.Status409Conflict, "ORDERS_NOT_CREATED", "The session is paid and its orders are being created; try again in a minute.", "sessionId", status),
            RefundResult.PartlyRefunded => Problem(StatusCodes.Status409Conflict, "PARTLY_REFUNDED", "A seller's order or the overpayment of this session is refunded on its own; refund the other orders one by one (shopId).", "sessionId", status),
            RefundResult.WholeRefunded => Problem(StatusCodes.Status409Conflict, "ALREADY_REFUNDED", "The whole session is being refunded or was; its orders are included.", "shopId", status),
            RefundResult.UnknownShop => Problem(StatusCodes.Status400BadRequest, "UNKNOWN_SHOP", $"{shopId} is not a seller of this session.", "shopId", status),
            _ => Problem(
                StatusCodes.Status409Conflict,
                "NOT_REFUNDABLE",
                session?.Status == SessionStatus.Pending
                    ? "The session is PENDING: nothing is paid yet; cancel it instead."
                    : $"The session is {status}: nothing was paid that can be refunded (an underpaid session gives its payments back by itself).",
                "sessionId",
                status),
        };
    }

    public static IActionResult ForSettlement(RefundOutcome outcome)
    {
        var refund = outcome.Refund is null ? null : RefundView.From(outcome.Refund);
        return outcome.Result switch
        {
            RefundResult.Accepted => new OkObjectResult(new SettleResponse(true, refund!, outcome.Session?.Status.ToApi())),
            RefundResult.NotFound => Problem(StatusCodes.Status404NotFound, "NOT_FOUND", "No refund with this refundId.", "refundId"),
            RefundResult.NotManual => Problem(StatusCodes.Status409Conflict, "NOT_MANUAL", "QPay reverses this card payment itself; there is no transfer to record.", "refundId", refund: refund),
            RefundResult.Superseded => Problem(StatusCodes.Status409Conflict, "SUPERSEDED", "The whole session is refunded, this excess with it; nothing is to be transferred for it.", "refundId", refund: refund),
            _ => Problem(StatusCodes.Status409Conflict, "ALREADY_SETTLED", "The refund was settled with another reference.", "reference", refund: refund),
        };
    }

    private static ObjectResult Problem(int status, string code, string message, string? field, string? sessionStatus = null, RefundView? refund = null) =>
        new(new RefundConflict(code, message, field, sessionStatus, refund)) { StatusCode = status };
}
