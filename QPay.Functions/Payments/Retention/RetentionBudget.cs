namespace QPay.Functions.Payments.Retention;

/// <summary>The rows a retention run may still delete; every kind draws on the same budget.</summary>
public sealed class RetentionBudget(int rows)
{
    public int Left { get; private set; } = rows;

    public bool Spent => Left <= 0;

    /// <summary>Takes up to <paramref name="wanted"/> rows; how many it may delete.</summary>
    public int Take(int wanted)
    {
        var taken = Math.Min(Math.Max(wanted, 0), Math.Max(Left, 0));
        Left -= taken;
        return taken;
    }

    /// <summary>Gives back rows taken but not deleted (already gone).</summary>
    public void Return(int rows) => Left += rows;
}
