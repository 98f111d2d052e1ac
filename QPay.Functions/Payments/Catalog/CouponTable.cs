using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Catalog;

/// <summary>The coupons and their redemption counts.</summary>
public interface ICouponStore
{
    /// <summary>The coupon with its redemption counts, in all and by <paramref name="userId"/> (one query); null when unknown.</summary>
    Task<CouponStanding?> GetStandingAsync(string code, string userId, CancellationToken cancellationToken);

    /// <summary>Creates or replaces the coupon's rule; its redemption counts are kept.</summary>
    Task UpsertAsync(CouponRule rule, CancellationToken cancellationToken);

    /// <summary>The rule and its total redemptions; null when unknown.</summary>
    Task<(CouponRule Rule, int Redemptions)?> GetAsync(string code, CancellationToken cancellationToken);

    /// <summary>Deletes the rule (its counts stay, so a re-created code keeps its history); false when unknown.</summary>
    Task<bool> DeleteAsync(string code, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one redemption of <paramref name="code"/> by <paramref name="userId"/> for
    /// <paramref name="sessionId"/>, exactly once whatever runs concurrently: answers false when
    /// this session's redemption was counted already. Limits are not checked here: a paid session
    /// is honoured at the price it was quoted.
    /// </summary>
    Task<bool> RedeemAsync(string code, string userId, string sessionId, CancellationToken cancellationToken);
}

/// <summary>
/// The Coupons table, one partition per code: the rule (RK <c>rule</c>), the total count in
/// <see cref="TotalShards"/> rows (<c>redemptions</c>, <c>redemptions~1</c> … <c>redemptions~7</c>, summed when read),
/// a count per user (<c>user:&lt;userId&gt;</c>) and a marker per redeemed session (<c>session:&lt;sessionId&gt;</c>).
/// A redemption writes the marker, its user's count and one shard of the total in one entity-group transaction, the
/// counts under their ETags: so it happens once or not at all. The total is sharded because a sale coupon's one
/// counter, updated under its ETag by every paid session at once, made concurrent order creations fail on it
/// (docs/performance.md, "Scale on paper").
/// </summary>
internal sealed class CouponTable(StorageClients storage) : ICouponStore
{
    private const string RuleKey = "rule";
    private const string RedemptionsKey = "redemptions";

    /// <summary>Rows the total is spread over; the first keeps the unsharded name, so counts written before stay counted.</summary>
    internal const int TotalShards = 8;

    private static readonly string[] TotalKeys = [RedemptionsKey, .. Enumerable.Range(1, TotalShards - 1).Select(i => $"{RedemptionsKey}~{i}")];
    private const string CountColumn = "Count";

    public async Task<CouponStanding?> GetStandingAsync(string code, string userId, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(code, [RuleKey, UserKey(userId), .. TotalKeys], cancellationToken).ConfigureAwait(false);
        return rows.TryGetValue(RuleKey, out var rule)
            ? new CouponStanding(ToRule(rule), Total(rows), Count(rows, UserKey(userId)))
            : null;
    }

    public async Task UpsertAsync(CouponRule rule, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(FromRule(rule), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(CouponRule Rule, int Redemptions)?> GetAsync(string code, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(code, [RuleKey, .. TotalKeys], cancellationToken).ConfigureAwait(false);
        return rows.TryGetValue(RuleKey, out var rule) ? (ToRule(rule), Total(rows)) : null;
    }

    public async Task<bool> DeleteAsync(string code, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        return await table.DeleteIfExistsAsync(CouponCodes.Normalize(code), RuleKey, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RedeemAsync(string code, string userId, string sessionId, CancellationToken cancellationToken)
    {
        var partition = CouponCodes.Normalize(code);
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var marker = "session:" + sessionId;
        var firstShard = ShardOf(sessionId);
        for (var attempt = 1; ; attempt++)
        {
            // The session's own shard first, the next one after each conflict: concurrent sessions spread out.
            var shard = TotalKeys[(firstShard + attempt - 1) % TotalShards];
            var rows = await ReadAsync(partition, [shard, UserKey(userId), marker], cancellationToken).ConfigureAwait(false);
            if (rows.ContainsKey(marker))
            {
                return false;
            }

            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Add, new TableEntity(partition, marker) { ["UserId"] = userId }),
                Increment(partition, shard, rows),
                Increment(partition, UserKey(userId), rows),
            };
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < OptimisticUpdate.MaxAttempts)
            {
                // Another redemption wrote first (a count's ETag moved, or a count or our marker now
                // exists): read again; the marker tells whether it was this session's.
            }
        }
    }

    private static TableTransactionAction Increment(string partition, string rowKey, IReadOnlyDictionary<string, TableEntity> rows) =>
        rows.TryGetValue(rowKey, out var row)
            ? new(TableTransactionActionType.UpdateReplace, new TableEntity(partition, rowKey) { [CountColumn] = Count(rows, rowKey) + 1 }, row.ETag)
            : new(TableTransactionActionType.Add, new TableEntity(partition, rowKey) { [CountColumn] = 1 });

    private async Task<Dictionary<string, TableEntity>> ReadAsync(string code, IReadOnlyList<string> rowKeys, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var partition = TableClient.CreateQueryFilter($"PartitionKey eq {CouponCodes.Normalize(code)}");
        var keys = string.Join(" or ", rowKeys.Select(key => TableClient.CreateQueryFilter($"RowKey eq {key}")));
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>($"{partition} and ({keys})", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows[row.RowKey] = row;
        }

        return rows;
    }

    private static string UserKey(string userId) => "user:" + userId;

    /// <summary>A stable shard for the session (FNV-1a of its id): the same on every instance and retry of its message.</summary>
    internal static int ShardOf(string sessionId)
    {
        var hash = 2166136261u;
        foreach (var c in sessionId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % TotalShards);
    }

    private static int Total(IReadOnlyDictionary<string, TableEntity> rows) => TotalKeys.Sum(key => Count(rows, key));

    private static int Count(IReadOnlyDictionary<string, TableEntity> rows, string rowKey) =>
        rows.TryGetValue(rowKey, out var row) ? row.GetInt32(CountColumn) ?? 0 : 0;

    private static TableEntity FromRule(CouponRule rule)
    {
        var row = new TableEntity(CouponCodes.Normalize(rule.Code), RuleKey)
        {
            ["Kind"] = rule.Kind.ToString(),
            ["Value"] = TableDecimal.Format(rule.Value),
            ["Active"] = rule.Active,
            ["UpdatedAt"] = rule.UpdatedAt,
        };
        // Absent limits are left out of the row rather than stored as nulls.
        SetIfPresent(row, "MinSubtotalUsd", rule.MinSubtotalUsd is { } min ? TableDecimal.Format(min) : null);
        SetIfPresent(row, "ShopId", rule.ShopId);
        SetIfPresent(row, "ValidFrom", rule.ValidFrom);
        SetIfPresent(row, "ValidTo", rule.ValidTo);
        SetIfPresent(row, "MaxRedemptions", rule.MaxRedemptions);
        SetIfPresent(row, "PerUserLimit", rule.PerUserLimit);
        return row;
    }

    private static void SetIfPresent(TableEntity row, string column, object? value)
    {
        if (value is not null)
        {
            row[column] = value;
        }
    }

    private static CouponRule ToRule(TableEntity row) => new(
        row.PartitionKey,
        Enum.Parse<CouponKind>(row.GetString("Kind")),
        TableDecimal.Parse(row.GetString("Value")),
        row.GetString("MinSubtotalUsd") is { } min ? TableDecimal.Parse(min) : null,
        row.GetString("ShopId"),
        row.GetDateTimeOffset("ValidFrom"),
        row.GetDateTimeOffset("ValidTo"),
        row.GetInt32("MaxRedemptions"),
        row.GetInt32("PerUserLimit"),
        row.GetBoolean("Active") ?? false,
        row.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue);

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.CouponsTable, cancellationToken);
}
