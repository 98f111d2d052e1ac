using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <summary>
/// The reconciler's index in the PaymentSessions table:
/// <list type="bullet">
/// <item>a <b>home row</b> per session in the session's own partition (PK sessionId, RK <see cref="PendingHome.RowKey"/>):
/// the entry, where its due row is, the ticket of a visit handed out and how long a begun visit holds it; there,
/// order creation deletes it in the transaction that finishes the session;</item>
/// <item>a <b>due row</b> per session in the partition of the hour it is due (PK <c>{prefix}-due-yyyyMMddHH</c>),
/// RK <c>{lane}-{due time}-{sessionId}-{nonce}</c>: lane 0 (first checks, claims) sorts before lane 1, and
/// within a lane the earliest due comes first, so a range query with a page limit reads only what is due;</item>
/// <item>a <b>cursor</b> (PK <c>{prefix}-cursor</c>): the oldest hour that may still hold due rows.</item>
/// </list>
/// The due rows and the cursor are under the prefix <see cref="PaymentOptions.PendingIndexPartition"/> (session
/// partitions have 32-hex-digit keys, so none of these meets one). Home rows written before they moved are in
/// the <b>old place</b> (PK <c>{prefix}</c>, RK sessionId): a read falls back to it when the session has none in
/// the new one, a writer writes an entry back where it read it (a new entry and <see cref="AddAsync"/> always go
/// to the new place), and <see cref="MoveOldHomesAsync"/> moves them a page at a time.
/// Every due row has a key of its own (a nonce ends it), and every writer puts its new due row first,
/// then the home row (under its ETag where it read one), then deletes the row the home row pointed to;
/// so no writer ever deletes a row another one points to, and a crash leaves at worst a due row no home
/// row points to, which the listing deletes once storage says it is <see cref="OrphanAge"/> old. Due times
/// are never earlier than the writer's clock, and the cursor stays an hour behind its reader's, so clocks
/// that differ by less than an hour lose nothing.
/// </summary>
public sealed partial class PendingSessionTableIndex(StorageClients storage, IOptions<PaymentOptions> options, TimeProvider clock) : IPendingSessionIndex
{
    /// <summary>Table Storage's largest page.</summary>
    private const int PageSize = 1000;
    private const string HourFormat = "yyyyMMddHH";
    private const string TimeFormat = "yyyyMMddHHmmssfff";
    private const string CursorRow = "cursor";

    /// <summary>Old home rows moved at once by <see cref="MoveOldHomesAsync"/>.</summary>
    private const int MoveParallelism = 8;

    /// <summary>
    /// A due row no home row points to may be a writer's next step: it is deleted only once storage's
    /// timestamp says it is this old, far more than a writer's steps can take apart.
    /// </summary>
    private static readonly TimeSpan OrphanAge = TimeSpan.FromMinutes(10);

    /// <summary>How far behind the clock the cursor stays: the tolerated difference between instances' clocks.</summary>
    private static readonly TimeSpan CursorLag = TimeSpan.FromHours(1);

    private static readonly char[] Lanes = ['0', '1'];

    private const string DueRowColumn = "DueRow";
    private const string HoldIdColumn = "HoldId";

    /// <summary>The due rows' and the cursor's prefix, and the old place's partition of home rows.</summary>
    private readonly string _prefix = options.Value.PendingIndexPartition;

    public async Task<PendingSessionEntry?> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        return await ReadHomeAsync(table, sessionId, cancellationToken).ConfigureAwait(false) is { } home ? FromHome(home) : null;
    }

    public async Task<TableTransactionAction> StartAsync(PendingSessionEntry entry, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var slot = SlotFor(entry.SessionId, entry.GoesFirst, entry.NextCheckAt);
        await table.UpsertEntityAsync(DueEntity(slot), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return new TableTransactionAction(TableTransactionActionType.Add, HomeEntity(entry with { InOldPlace = false }, slot, ticket: null, runningUntil: null));
    }

    public async Task AddAsync(PendingSessionEntry entry, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var current = await ReadHomeAsync(table, entry.SessionId, cancellationToken).ConfigureAwait(false);
        var slot = SlotFor(entry.SessionId, entry.GoesFirst, entry.NextCheckAt);
        await table.UpsertEntityAsync(DueEntity(slot), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(HomeEntity(entry with { InOldPlace = false }, slot, ticket: null, runningUntil: null), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        if (current is not null && IsOldPlace(current))
        {
            // Moved to the new place: the old row would only be read again were the new one removed.
            await table.DeleteIfExistsAsync(current.PartitionKey, current.RowKey, cancellationToken).ConfigureAwait(false);
        }

        if (current is not null && SlotOf(current) is { } old && old != slot)
        {
            await table.DeleteIfExistsAsync(old.Partition, old.Row, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> UpdateAsync(PendingSessionEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Version is not { } version)
        {
            await AddAsync(entry, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        return await MoveAsync(table, entry, version, entry.NextCheckAt, ticket: null, runningUntil: null, cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task RemoveAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var home = await ReadHomeAsync(table, sessionId, cancellationToken).ConfigureAwait(false);
        if (home is null)
        {
            return;
        }

        // The home row first: a crash in between leaves an orphan due row, never a home row pointing at nothing.
        await table.DeleteIfExistsAsync(home.PartitionKey, home.RowKey, cancellationToken).ConfigureAwait(false);
        if (SlotOf(home) is { } slot)
        {
            await table.DeleteIfExistsAsync(slot.Partition, slot.Row, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task RemoveDueAsync(PendingHome removed, CancellationToken cancellationToken)
    {
        if (removed.Due is { } slot)
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            await table.DeleteIfExistsAsync(slot.Partition, slot.Row, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<DueSlot>> ListDueAsync(int max, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var thisHour = Hour(now);
        var stored = await ReadCursorAsync(table, cancellationToken).ConfigureAwait(false);
        var cursor = stored ?? await OldestDueHourAsync(table, cancellationToken).ConfigureAwait(false) ?? thisHour;
        var hours = new List<DateTimeOffset>();
        for (var hour = cursor < thisHour ? cursor : thisHour; hour <= thisHour; hour += TimeSpan.FromHours(1))
        {
            hours.Add(hour);
        }

        var due = new List<DueSlot>();
        var emptyLanes = new int[hours.Count];
        var until = now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
        foreach (var lane in Lanes)
        {
            for (var i = 0; i < hours.Count && due.Count < max; i++)
            {
                var found = await ReadDueAsync(table, DuePartition(hours[i]), lane, until, max - due.Count, due, cancellationToken).ConfigureAwait(false);
                emptyLanes[i] += found == 0 ? 1 : 0;
            }
        }

        // The cursor passes an hour once both its lanes were read empty and the hour is well past.
        var next = hours[0];
        for (var i = 0; i < hours.Count && emptyLanes[i] == Lanes.Length && hours[i] + TimeSpan.FromHours(1) <= thisHour - CursorLag; i++)
        {
            next = hours[i] + TimeSpan.FromHours(1);
        }

        if (next != stored)
        {
            await table.UpsertEntityAsync(new TableEntity(CursorPartition, CursorRow) { ["Hour"] = next }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }

        return due;
    }

    public async Task<IssuedVisit?> IssueAsync(DueSlot slot, TimeSpan lease, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var home = await ReadHomeAsync(table, slot.SessionId, cancellationToken).ConfigureAwait(false);
        if (home is null || SlotOf(home) != slot)
        {
            await DeleteIfOrphanAsync(table, slot, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var entry = FromHome(home);
        var now = clock.GetUtcNow();
        if (entry.RunningUntil > now)
        {
            // A visit is still running: its entry comes due again when its hold ends, if it never finishes.
            await MoveAsync(table, entry, home.ETag, entry.RunningUntil.Value, entry.Ticket, entry.RunningUntil, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var ticket = Guid.NewGuid().ToString("N");
        // An expired hold stays: the visit handed out now learns that the one before it never finished.
        return await MoveAsync(table, entry, home.ETag, now + lease, ticket, entry.RunningUntil, cancellationToken).ConfigureAwait(false) is { } issued
            ? new IssuedVisit(entry with { Version = issued.ETag, Slot = SlotOf(issued), Ticket = ticket }, ticket)
            : null;
    }

    public async Task<PendingSessionEntry?> BeginVisitAsync(string sessionId, string ticket, TimeSpan lease, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var home = await ReadHomeAsync(table, sessionId, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        if (home is null || home.GetString("Ticket") != ticket || home.GetDateTimeOffset("RunningUntil") > now)
        {
            return null;
        }

        var entry = FromHome(home);
        var held = HomeEntity(entry, entry.Slot, ticket, now + lease);
        // A nonce of this hold, which every later write of the row drops: after a try lost in transit, a 412 may be this
        // hold itself, and taken for another's the visit would wait out its own hold.
        held[HoldIdColumn] = Guid.NewGuid().ToString("N");
        return await TryReplaceOwnAsync(table, held, home.ETag, HoldIdColumn, cancellationToken).ConfigureAwait(false)
            ? entry with { Version = held.ETag, RunningUntil = now + lease, Interrupted = entry.RunningUntil is not null }
            : null;
    }

    public async Task ReleaseVisitAsync(PendingSessionEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Version is not { } version)
        {
            return;
        }

        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        // Given back unasked: the hold ends. An interrupted visit before this one stays known (a hold long
        // past marks it) to the visit that takes the entry up.
        await TryReplaceAsync(table, HomeEntity(entry, entry.Slot, entry.Ticket, entry.Interrupted ? DateTimeOffset.UnixEpoch : null), version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one lane of one hour's due rows up to <paramref name="until"/>, at most <paramref name="max"/>; how many it found.</summary>
    private static async Task<int> ReadDueAsync(TableClient table, string partition, char lane, string until, int max, List<DueSlot> into, CancellationToken cancellationToken)
    {
        var from = $"{lane}-";
        var to = $"{lane}-{until}~";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey le {to}");
        var found = 0;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, PageSize), select: ["RowKey", "SessionId"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            foreach (var row in page.Values)
            {
                if (row.GetString("SessionId") is { } sessionId)
                {
                    into.Add(new DueSlot(sessionId, partition, row.RowKey));
                }
                if (++found == max)
                {
                    return found;
                }
            }
        }

        return found;
    }

    private static async Task DeleteIfOrphanAsync(TableClient table, DueSlot slot, CancellationToken cancellationToken)
    {
        // Storage's clock on both sides (the row's timestamp, the answer's date): no instance's clock
        // decides that another's fresh row is old.
        var row = await table.GetEntityIfExistsAsync<TableEntity>(slot.Partition, slot.Row, select: ["Timestamp"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (row.HasValue
            && row.Value!.Timestamp is { } written
            && row.GetRawResponse().Headers.Date is { } storageNow
            && written < storageNow - OrphanAge)
        {
            await table.DeleteIfExistsAsync(slot.Partition, slot.Row, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Moves a read entry's due row to <paramref name="at"/> with the ticket and hold given: a new due row, then the
    /// home row if it still has <paramref name="version"/>, then the row it pointed to deleted. The new home row
    /// (with its ETag), or null when the entry changed meanwhile (the new due row is taken back).
    /// </summary>
    private async Task<TableEntity?> MoveAsync(
        TableClient table, PendingSessionEntry entry, ETag version, DateTimeOffset at, string? ticket, DateTimeOffset? runningUntil, CancellationToken cancellationToken)
    {
        var slot = SlotFor(entry.SessionId, entry.GoesFirst, at);
        await table.UpsertEntityAsync(DueEntity(slot), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        var home = HomeEntity(entry, slot, ticket, runningUntil);
        if (!await TryReplaceOwnAsync(table, home, version, DueRowColumn, cancellationToken).ConfigureAwait(false))
        {
            await table.DeleteIfExistsAsync(slot.Partition, slot.Row, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (entry.Slot is { } old)
        {
            await table.DeleteIfExistsAsync(old.Partition, old.Row, cancellationToken).ConfigureAwait(false);
        }

        return home;
    }

    private DueSlot SlotFor(string sessionId, bool first, DateTimeOffset at)
    {
        var now = clock.GetUtcNow();
        var due = (at > now ? at : now).ToUniversalTime();
        return new DueSlot(
            sessionId,
            DuePartition(Hour(due)),
            $"{(first ? Lanes[0] : Lanes[1])}-{due.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}-{sessionId}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    private string DuePartition(DateTimeOffset hour) => $"{_prefix}-due-{hour.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture)}";

    private string CursorPartition => _prefix + "-cursor";

    private static DateTimeOffset Hour(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The hour of the oldest due row there is (one query across the due partitions), for a first run without a cursor.</summary>
    private async Task<DateTimeOffset?> OldestDueHourAsync(TableClient table, CancellationToken cancellationToken)
    {
        var first = DuePartition(DateTimeOffset.UnixEpoch)[..^HourFormat.Length];
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {first} and PartitionKey lt {first + "~"}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return DateTimeOffset.TryParseExact(row.PartitionKey[first.Length..], HourFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var hour)
                ? hour
                : null;
        }

        return null;
    }

    private async Task<DateTimeOffset?> ReadCursorAsync(TableClient table, CancellationToken cancellationToken)
    {
        var cursor = await table.GetEntityIfExistsAsync<TableEntity>(CursorPartition, CursorRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return cursor.HasValue ? cursor.Value!.GetDateTimeOffset("Hour") : null;
    }

    /// <summary>The session's home row: in its partition, else (written before home rows moved) in the old place.</summary>
    private async Task<TableEntity?> ReadHomeAsync(TableClient table, string sessionId, CancellationToken cancellationToken)
    {
        var home = await table.GetEntityIfExistsAsync<TableEntity>(sessionId, PendingHome.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (home.HasValue)
        {
            return home.Value;
        }

        var old = await table.GetEntityIfExistsAsync<TableEntity>(_prefix, sessionId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return old.HasValue ? old.Value : null;
    }

    /// <summary>Replaces the row if it still has <paramref name="version"/>; on success the entity carries its new ETag.</summary>
    private static async Task<bool> TryReplaceAsync(TableClient table, TableEntity entity, ETag version, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.UpdateEntityAsync(entity, version, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            entity.ETag = response.Headers.ETag ?? throw new InvalidOperationException("Table Storage answered an update without an ETag.");
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// <see cref="TryReplaceAsync"/> for a write that carries a nonce in <paramref name="nonceColumn"/>: after a try lost
    /// in transit, a 412 may be this replace itself, stored and retried by the SDK, and is then taken as written.
    /// </summary>
    private static async Task<bool> TryReplaceOwnAsync(TableClient table, TableEntity home, ETag version, string nonceColumn, CancellationToken cancellationToken)
    {
        var watch = LostReplyWatch.Begin();
        return await TryReplaceAsync(table, home, version, cancellationToken).ConfigureAwait(false)
            || (watch.FailedInTransit && await IsOwnWriteAsync(table, home, nonceColumn, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Whether the home row stored under <paramref name="home"/>'s keys holds <paramref name="home"/>'s nonce in
    /// <paramref name="column"/> (a due row's key, a hold's id), which no other write has: then it is this call's write,
    /// stored with its reply lost and retried into a 412 or 409, and <paramref name="home"/> takes the stored ETag.
    /// </summary>
    private static async Task<bool> IsOwnWriteAsync(TableClient table, TableEntity home, string column, CancellationToken cancellationToken)
    {
        var stored = await table.GetEntityIfExistsAsync<TableEntity>(home.PartitionKey, home.RowKey, select: [column], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!stored.HasValue || home.GetString(column) is not { } nonce || stored.Value!.GetString(column) != nonce)
        {
            return false;
        }

        home.ETag = stored.Value.ETag;
        return true;
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken);

    private static TableEntity DueEntity(DueSlot slot) => new(slot.Partition, slot.Row) { ["SessionId"] = slot.SessionId };

    /// <summary>The home row of an entry, where the entry was read (a new entry: in its session's partition).</summary>
    private TableEntity HomeEntity(PendingSessionEntry entry, DueSlot? slot, string? ticket, DateTimeOffset? runningUntil) =>
        new(entry.InOldPlace ? _prefix : entry.SessionId, entry.InOldPlace ? entry.SessionId : PendingHome.RowKey)
    {
        ["CreatedAt"] = entry.CreatedAt,
        ["NextCheckAt"] = entry.NextCheckAt,
        ["Checks"] = entry.Checks,
        ["Failures"] = entry.Failures,
        ["Requeues"] = entry.Requeues,
        ["LastOutcome"] = entry.LastOutcome,
        ["DuePartition"] = slot?.Partition,
        ["DueRow"] = slot?.Row,
        ["Ticket"] = ticket,
        ["RunningUntil"] = runningUntil,
    };

    /// <summary>A home row in the old place: PK the prefix, RK the session id.</summary>
    private static bool IsOldPlace(TableEntity home) => home.RowKey != PendingHome.RowKey;

    private static string SessionIdOf(TableEntity home) => IsOldPlace(home) ? home.RowKey : home.PartitionKey;

    private static DueSlot? SlotOf(TableEntity home) => PendingHome.SlotOf(SessionIdOf(home), home);

    private static PendingSessionEntry FromHome(TableEntity home) => Entry(SessionIdOf(home), home) with
    {
        Version = home.ETag,
        Slot = SlotOf(home),
        Ticket = home.GetString("Ticket"),
        RunningUntil = home.GetDateTimeOffset("RunningUntil"),
        InOldPlace = IsOldPlace(home),
    };

    /// <summary>An entry from a home row, or from a row of the former single partition (the home row kept its property names).</summary>
    internal static PendingSessionEntry Entry(string sessionId, TableEntity row) => new(
        sessionId,
        row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        row.GetDateTimeOffset("NextCheckAt") ?? DateTimeOffset.MinValue,
        row.GetInt32("Checks") ?? 0,
        row.GetInt32("Failures") ?? 0,
        row.GetInt32("Requeues") ?? 0,
        row.GetString("LastOutcome"));
}
