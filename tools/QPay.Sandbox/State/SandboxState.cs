using QPay.Sandbox.State;

namespace QPay.Sandbox;

/// <summary>
/// The sandbox's invoices, payments, callback deliveries and e-receipts, in memory.
/// Every change happens under one lock and replaces immutable records, so readers always see a
/// consistent snapshot without locking.
/// </summary>
public sealed class SandboxState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SandboxInvoice> _invoices = new(StringComparer.Ordinal);
    private readonly List<string> _invoiceOrder = [];
    private readonly Dictionary<string, string> _invoiceOfPayment = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _invoiceOfQrText = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EbarimtReceipt> _receipts = new(StringComparer.Ordinal);

    /// <summary>Every invoice, oldest first.</summary>
    public IReadOnlyList<SandboxInvoice> Invoices
    {
        get
        {
            lock (_gate)
            {
                return _invoiceOrder.Select(id => _invoices[id]).ToList();
            }
        }
    }

    /// <summary>Every payment, oldest first.</summary>
    public IReadOnlyList<SandboxPayment> Payments
    {
        get
        {
            lock (_gate)
            {
                return _invoiceOrder.SelectMany(id => _invoices[id].Payments).OrderBy(p => p.PaidAt).ToList();
            }
        }
    }

    public SandboxInvoice? FindInvoice(string invoiceId)
    {
        lock (_gate)
        {
            return _invoices.GetValueOrDefault(invoiceId);
        }
    }

    public SandboxPayment? FindPayment(string paymentId)
    {
        lock (_gate)
        {
            return FindPaymentLocked(paymentId);
        }
    }

    internal SandboxInvoice? FindInvoiceByQrText(string qrText)
    {
        lock (_gate)
        {
            return _invoiceOfQrText.TryGetValue(qrText, out var id) ? _invoices[id] : null;
        }
    }

    /// <summary>Adds a new invoice; false when duplicates are refused and the sender_invoice_no exists.</summary>
    internal bool TryAddInvoice(SandboxInvoice invoice, bool rejectDuplicateSenderInvoiceNo)
    {
        lock (_gate)
        {
            if (rejectDuplicateSenderInvoiceNo
                && _invoices.Values.Any(i => string.Equals(i.SenderInvoiceNo, invoice.SenderInvoiceNo, StringComparison.Ordinal)))
            {
                return false;
            }

            _invoices.Add(invoice.InvoiceId, invoice);
            _invoiceOrder.Add(invoice.InvoiceId);
            _invoiceOfQrText[invoice.QrText] = invoice.InvoiceId;
            return true;
        }
    }

    internal InvoiceCancelOutcome CancelInvoice(string invoiceId)
    {
        lock (_gate)
        {
            if (!_invoices.TryGetValue(invoiceId, out var invoice))
            {
                return InvoiceCancelOutcome.NotFound;
            }

            if (invoice.Status == SandboxInvoiceStatus.Canceled)
            {
                return InvoiceCancelOutcome.AlreadyCanceled;
            }

            if (invoice.Status == SandboxInvoiceStatus.Closed || invoice.PaidAmount > 0)
            {
                return InvoiceCancelOutcome.Paid;
            }

            _invoices[invoiceId] = invoice with { Status = SandboxInvoiceStatus.Canceled };
            return InvoiceCancelOutcome.Canceled;
        }
    }

    /// <summary>
    /// Records a payment: the amount asked for, or what is left to pay. The invoice closes once
    /// its paid amount reaches the invoice amount.
    /// </summary>
    internal PayResult Pay(PayCommand command)
    {
        lock (_gate)
        {
            if (!_invoices.TryGetValue(command.InvoiceId, out var invoice))
            {
                return new PayResult(PayOutcome.InvoiceNotFound);
            }

            if (invoice.Status == SandboxInvoiceStatus.Canceled && !command.EvenIfCanceled)
            {
                return new PayResult(PayOutcome.InvoiceCanceled, Invoice: invoice);
            }

            var amount = command.Amount ?? invoice.Amount - invoice.PaidAmount;
            if (amount <= 0)
            {
                return new PayResult(PayOutcome.NothingLeftToPay, Invoice: invoice);
            }

            var paymentId = command.PaymentId ?? NewPaymentIdLocked(command.Type);
            if (_invoiceOfPayment.ContainsKey(paymentId))
            {
                return new PayResult(PayOutcome.PaymentIdTaken, Invoice: invoice);
            }

            var payment = new SandboxPayment
            {
                PaymentId = paymentId,
                InvoiceId = invoice.InvoiceId,
                Amount = amount,
                Fee = decimal.Round(amount * 0.01m, 2, MidpointRounding.AwayFromZero),
                Type = command.Type,
                Status = SandboxPaymentStatus.Paid,
                PaidAt = command.At,
            };
            var updated = invoice with { Payments = invoice.Payments.Add(payment) };
            if (updated.PaidAmount >= updated.Amount)
            {
                updated = updated with { Status = SandboxInvoiceStatus.Closed };
            }

            _invoices[invoice.InvoiceId] = updated;
            _invoiceOfPayment[paymentId] = invoice.InvoiceId;
            return new PayResult(PayOutcome.Paid, payment, updated);
        }
    }

    internal void AddCallback(CallbackDelivery delivery)
    {
        lock (_gate)
        {
            ReplacePaymentLocked(delivery.PaymentId, p => p with { Callbacks = p.Callbacks.Add(delivery) });
        }
    }

    /// <summary>Cancel or refund: card payments become REFUNDED; bank transfers are settled and cannot be reversed.</summary>
    internal PaymentCancelOutcome CancelPayment(string paymentId)
    {
        lock (_gate)
        {
            var payment = FindPaymentLocked(paymentId);
            if (payment is null)
            {
                return PaymentCancelOutcome.NotFound;
            }

            if (payment.Status == SandboxPaymentStatus.Refunded)
            {
                return PaymentCancelOutcome.AlreadyCanceled;
            }

            if (payment.Type == SandboxPaymentType.P2P)
            {
                return PaymentCancelOutcome.Settled;
            }

            ReplacePaymentLocked(paymentId, p => p with { Status = SandboxPaymentStatus.Refunded });
            return PaymentCancelOutcome.Refunded;
        }
    }

    public EbarimtReceipt? FindReceipt(string paymentId)
    {
        lock (_gate)
        {
            return _receipts.GetValueOrDefault(paymentId);
        }
    }

    /// <summary>Stores the receipt unless one exists for the payment; answers the one kept.</summary>
    internal EbarimtReceipt AddReceipt(EbarimtReceipt receipt)
    {
        lock (_gate)
        {
            return _receipts.TryAdd(receipt.PaymentId, receipt) ? receipt : _receipts[receipt.PaymentId];
        }
    }

    internal EbarimtReceipt? RemoveReceipt(string paymentId)
    {
        lock (_gate)
        {
            return _receipts.Remove(paymentId, out var receipt) ? receipt : null;
        }
    }

    internal void Clear()
    {
        lock (_gate)
        {
            _invoices.Clear();
            _invoiceOrder.Clear();
            _invoiceOfPayment.Clear();
            _invoiceOfQrText.Clear();
            _receipts.Clear();
        }
    }

    private SandboxPayment? FindPaymentLocked(string paymentId) =>
        _invoiceOfPayment.TryGetValue(paymentId, out var invoiceId)
            ? _invoices[invoiceId].Payments.Find(p => p.PaymentId == paymentId)
            : null;

    private void ReplacePaymentLocked(string paymentId, Func<SandboxPayment, SandboxPayment> change)
    {
        if (!_invoiceOfPayment.TryGetValue(paymentId, out var invoiceId))
        {
            return;
        }

        var invoice = _invoices[invoiceId];
        var index = invoice.Payments.FindIndex(p => p.PaymentId == paymentId);
        _invoices[invoiceId] = invoice with { Payments = invoice.Payments.SetItem(index, change(invoice.Payments[index])) };
    }

    private string NewPaymentIdLocked(SandboxPaymentType type)
    {
        while (true)
        {
            var id = type == SandboxPaymentType.Card ? Ids.Uuid() : Ids.P2PPaymentId();
            if (!_invoiceOfPayment.ContainsKey(id))
            {
                return id;
            }
        }
    }
}
