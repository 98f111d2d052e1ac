using QPay.Functions.Payments.Audit;

namespace QPay.Functions.Tests.Infrastructure;

/// <summary>An audit trail that writes nothing: counted storage requests then hold only the payment's own.</summary>
internal sealed class DiscardingAudit : IPaymentAudit
{
    public void Record(string sessionId, PaymentEvent paymentEvent)
    {
    }
}
