namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// Carts are priced in USD; QPay invoices are whole tögrög. The MNT amount is
/// <c>round(totalUsd × rate)</c> to a whole tögrög, halves rounded away from zero (commercial
/// rounding: 3400.5 → 3401), the rule a customer expects on a receipt. Banker's rounding
/// (to even) would turn 3400.5 into 3400.
/// </summary>
public static class MntAmount
{
    public static decimal FromUsd(decimal usd, decimal usdToMntRate) =>
        decimal.Round(usd * usdToMntRate, 0, MidpointRounding.AwayFromZero);
}
