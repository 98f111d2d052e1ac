namespace QPay.Functions.Payments.Audit;

/// <summary>
/// Appends to a payment's audit trail. <see cref="Record"/> never waits and never throws: the trail
/// is written in the background, so the payment path neither slows down nor fails because of it.
/// </summary>
public interface IPaymentAudit
{
    void Record(string sessionId, PaymentEvent paymentEvent);
}

/// <summary>Reads a payment's audit trail, oldest first.</summary>
public interface IPaymentEventLog
{
    Task<IReadOnlyList<RecordedPaymentEvent>> ListAsync(string sessionId, int max, CancellationToken cancellationToken);
}
