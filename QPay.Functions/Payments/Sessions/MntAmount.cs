namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// Carts are priced in USD; QPay invoices are whole tögrög. The MNT amount is
/// <c>round(totalUsd × rate)</c> to a whole tögrög, halves rounded away from zero (commercial
/// rounding: 3400.5 → 3401), the rule a customer expects on a receipt. Banker's rounding
/// (to even) would turn 3400.5 into 3400.
/// </summary>
public static class MntAmount
{
    /// <summary>
    /// Paid within this of the invoice amount is paid exactly (QPay's amounts are strings that may
    /// carry cents). Below that by 1 MNT or more is underpaid; above it, an overpayment.
    /// </summary>
    public const decimal Tolerance = 1m;

    /// <summary>What was paid beyond <paramref name="expectedMnt"/> when that is an overpayment; otherwise 0.</summary>
    public static decimal Excess(decimal paidMnt, decimal expectedMnt) =>
        paidMnt - expectedMnt >= Tolerance ? paidMnt - expectedMnt : 0m;

    public static decimal FromUsd(decimal usd, decimal usdToMntRate) =>
        decimal.Round(usd * usdToMntRate, 0, MidpointRounding.AwayFromZero);
}
