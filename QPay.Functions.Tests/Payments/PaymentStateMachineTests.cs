using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Tests.Payments;

/// <summary>Every move between two statuses, allowed or not, against the table of docs/design.md.</summary>
public sealed class PaymentStateMachineTests
{
    /// <summary>The allowed moves as docs/design.md lists them (besides staying put).</summary>
    private static readonly HashSet<(SessionStatus, SessionStatus)> Allowed =
    [
        (SessionStatus.Pending, SessionStatus.Paid),
        (SessionStatus.Pending, SessionStatus.Processed),
        (SessionStatus.Pending, SessionStatus.Expired),
        (SessionStatus.Pending, SessionStatus.Cancelled),
        (SessionStatus.Pending, SessionStatus.Failed),
        (SessionStatus.Paid, SessionStatus.Processed),
        (SessionStatus.Paid, SessionStatus.RefundPending),
        (SessionStatus.Processed, SessionStatus.RefundPending),
        (SessionStatus.Expired, SessionStatus.Paid),
        (SessionStatus.Expired, SessionStatus.Processed),
        (SessionStatus.Expired, SessionStatus.RefundPending),
        (SessionStatus.Cancelled, SessionStatus.Paid),
        (SessionStatus.Cancelled, SessionStatus.Processed),
        (SessionStatus.Cancelled, SessionStatus.RefundPending),
        (SessionStatus.RefundPending, SessionStatus.Refunded),
        (SessionStatus.Refunded, SessionStatus.RefundPending),
    ];

    public static TheoryData<SessionStatus, SessionStatus> EveryPair()
    {
        var data = new TheoryData<SessionStatus, SessionStatus>();
        foreach (var from in Enum.GetValues<SessionStatus>())
        {
            foreach (var to in Enum.GetValues<SessionStatus>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void A_move_is_allowed_exactly_when_the_table_lists_it(SessionStatus from, SessionStatus to) =>
        Assert.Equal(from == to || Allowed.Contains((from, to)), PaymentStateMachine.CanMove(from, to));

    [Fact]
    public void The_machine_lists_the_same_moves_as_the_table() =>
        Assert.Equal(Allowed.Order(), PaymentStateMachine.Transitions.Order());

    [Theory]
    [InlineData(SessionStatus.Processed, SessionStatus.Cancelled)]
    [InlineData(SessionStatus.Processed, SessionStatus.Expired)]
    [InlineData(SessionStatus.Processed, SessionStatus.Pending)]
    [InlineData(SessionStatus.Paid, SessionStatus.Pending)]
    [InlineData(SessionStatus.Paid, SessionStatus.Cancelled)]
    [InlineData(SessionStatus.Cancelled, SessionStatus.Pending)]
    [InlineData(SessionStatus.Expired, SessionStatus.Cancelled)]
    [InlineData(SessionStatus.Failed, SessionStatus.Paid)]
    [InlineData(SessionStatus.Refunded, SessionStatus.Paid)]
    public void A_status_never_moves_backwards_and_a_processed_payment_is_never_cancelled(SessionStatus from, SessionStatus to) =>
        Assert.False(PaymentStateMachine.CanMove(from, to));

    [Fact]
    public void Every_status_has_its_api_name() =>
        Assert.Equal(
            ["PENDING", "PAID", "PROCESSED", "EXPIRED", "CANCELLED", "FAILED", "REFUND_PENDING", "REFUNDED"],
            Enum.GetValues<SessionStatus>().Select(s => s.ToApi()));
}
