namespace QPay.Functions.Payments.Pricing;

/// <summary>
/// Splits an amount into shares proportional to weights, in whole units (a cent, a tögrög), so
/// that the shares add up to the amount exactly: each share is its exact proportion rounded down,
/// and the units left over go one each to the largest remainders (ties to the earlier weight).
/// A share is never more than one unit above its exact proportion, and a zero weight gets nothing.
/// </summary>
public static class LargestRemainder
{
    /// <param name="amount">A whole number of <paramref name="unit"/>s, at least 0.</param>
    /// <param name="weights">At least 0 each; when they add up to 0 every share is 0 (and so must the amount be).</param>
    public static decimal[] Split(decimal amount, decimal unit, IReadOnlyList<decimal> weights)
    {
        var shares = new decimal[weights.Count];
        var total = weights.Sum();
        if (total <= 0m || amount <= 0m)
        {
            return shares;
        }

        var remainders = new decimal[weights.Count];
        for (var i = 0; i < weights.Count; i++)
        {
            var exact = amount * weights[i] / total / unit;
            var whole = decimal.Floor(exact);
            shares[i] = whole * unit;
            remainders[i] = exact - whole;
        }

        var left = (int)((amount - shares.Sum()) / unit);
        foreach (var i in Enumerable.Range(0, weights.Count).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take(left))
        {
            shares[i] += unit;
        }

        return shares;
    }
}
