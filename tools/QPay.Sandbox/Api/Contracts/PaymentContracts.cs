using System.Text.Json.Serialization;

namespace QPay.Sandbox.Api.Contracts;

/// <summary>The body of <c>POST /v2/payment/check</c>: <c>paid_amount</c> a number, row amounts strings.</summary>
internal sealed record PaymentCheckBody(int Count, decimal? PaidAmount, IReadOnlyList<PaymentCheckRow> Rows);

/// <summary>A payment/check row, with the names of QPay's example sheet (<c>trx_fee</c>, <c>payment_type</c>).</summary>
internal sealed record PaymentCheckRow(
    string PaymentId,
    string PaymentStatus,
    string PaymentAmount,
    string TrxFee,
    string PaymentCurrency,
    string PaymentWallet,
    string PaymentType,
    string? NextPaymentDate,
    string? NextPaymentDatetime,
    IReadOnlyList<CardTransaction> CardTransactions,
    [property: JsonPropertyName("p2p_transactions")] IReadOnlyList<P2PTransaction> P2pTransactions);

/// <summary>The body of <c>GET /v2/payment/{id}</c>, with this endpoint's names (<c>payment_fee</c>, <c>transaction_type</c>).</summary>
internal sealed record PaymentBody(
    string PaymentId,
    string PaymentStatus,
    string PaymentFee,
    string PaymentAmount,
    string PaymentCurrency,
    string PaymentDate,
    string PaymentWallet,
    string ObjectType,
    string ObjectId,
    string? NextPaymentDate,
    string? NextPaymentDatetime,
    string TransactionType,
    IReadOnlyList<CardTransaction> CardTransactions,
    [property: JsonPropertyName("p2p_transactions")] IReadOnlyList<P2PTransaction> P2pTransactions);

internal sealed record CardTransaction(
    string CardType,
    bool IsCrossBorder,
    string Amount,
    string Currency,
    string Date,
    string Status,
    string SettlementStatus,
    string SettlementStatusDate);

internal sealed record P2PTransaction(
    string TransactionBankCode,
    string AccountBankCode,
    string AccountBankName,
    string AccountNumber,
    string Status,
    string Amount,
    string Currency,
    string SettlementStatus);

/// <summary>The body of <c>POST /v2/payment/list</c>.</summary>
internal sealed record PaymentListBody(int Count, IReadOnlyList<PaymentListRow> Rows);

/// <summary>A payment/list row, with this endpoint's names (<c>payment_fee</c>, <c>paid_by</c>).</summary>
internal sealed record PaymentListRow(
    string PaymentId,
    string PaymentDate,
    string PaymentStatus,
    string PaymentFee,
    string PaymentAmount,
    string PaymentCurrency,
    string PaymentWallet,
    string PaymentName,
    string PaymentDescription,
    string QrCode,
    string PaidBy,
    string ObjectType,
    string ObjectId);
