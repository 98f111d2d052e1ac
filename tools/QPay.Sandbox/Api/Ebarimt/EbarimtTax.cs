namespace QPay.Sandbox.Api.Ebarimt;

/// <summary>
/// The sandbox's tax rule for e-receipts, deterministic so clients can show the figures. The paid amount includes
/// Mongolia's 10 % VAT, so the VAT in it is a tenth of the net: <c>vat_amount = round(amount / 11, 2)</c>, midpoints
/// away from zero (2500 → 227.27, 200 → 18.18, 1000 → 90.91). City tax (НХАТ) is levied only on some goods and
/// services (alcohol, tobacco, fuel, hotels and restaurants), none of which the sandbox sells, so
/// <c>city_tax_amount</c> is always 0.00. Receipts say <c>tax_type</c> "1" (VAT-able) accordingly.
/// </summary>
internal static class EbarimtTax
{
    /// <summary><c>tax_type</c> of a VAT-able sale.</summary>
    public const string VatableTaxType = "1";

    public static decimal Vat(decimal amount) => Math.Round(amount / 11m, 2, MidpointRounding.AwayFromZero);

    /// <summary><c>city_tax_amount</c> of every sandbox receipt.</summary>
    public const decimal CityTax = 0m;
}
