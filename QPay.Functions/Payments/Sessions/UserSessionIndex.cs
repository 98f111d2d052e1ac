using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <summary>A page of a user's sessions, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record UserSessionPage(IReadOnlyList<string> SessionIds, string? NextCursor);

/// <summary>
/// Every session of a user, newest first, for the operators' list: one row per session in the
/// PaymentSessions table, PK <see cref="PaymentOptions.UserSessionsPartitionPrefix"/> + the hex SHA-256 of
/// the user id (never stored here), RK <see cref="RowKey"/> (inverted creation ticks, then the session id,
/// so the partition reads newest first). Session rows have 32 hex digits as PK, so such a partition never
/// meets one. Unlike <see cref="IUserOpenSessions"/> rows are never removed. Sessions seeded before this
/// index existed have no row and are not listed.
/// </summary>
public interface IUserSessionIndex
{
    /// <summary>Records the session for its user; never throws (a failure is logged: the seed goes on, the session is only missing from the list).</summary>
    Task TryAddAsync(PaymentSession session);

    /// <summary>Up to <paramref name="limit"/> of the user's session ids after <paramref name="cursor"/>; a cursor this did not give throws <see cref="FormatException"/>.</summary>
    Task<UserSessionPage> ListAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>Forgets the session (retention removing it; idempotent).</summary>
    Task RemoveAsync(PaymentSession session, CancellationToken cancellationToken);
}

internal sealed class UserSessionTableIndex(StorageClients storage, IOptions<PaymentOptions> options, ILogger<UserSessionTableIndex> logger) : IUserSessionIndex
{
    private readonly string _prefix = options.Value.UserSessionsPartitionPrefix;

    public async Task TryAddAsync(PaymentSession session)
    {
        try
        {
            var table = await TableAsync(CancellationToken.None).ConfigureAwait(false);
            var entity = new TableEntity(Partition(session.UserId), RowKey(session.CreatedAt, session.SessionId)) { ["SessionId"] = session.SessionId };
            await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.UserSessionIndexFailed(logger, exception, session.SessionId);
        }
    }

    public async Task RemoveAsync(PaymentSession session, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        // Already gone, or seeded before the index existed, is the same.
        await table.DeleteIfExistsAsync(Partition(session.UserId), RowKey(session.CreatedAt, session.SessionId), cancellationToken).ConfigureAwait(false);
    }

    public async Task<UserSessionPage> ListAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var after = cursor is null ? null : DecodeCursor(cursor);
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var partition = Partition(userId);
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {after}");
        // One more than asked: it tells whether a next page exists without a second round trip.
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: limit + 1, select: ["RowKey", "SessionId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
            if (rows.Count > limit)
            {
                break;
            }
        }

        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? EncodeCursor(page[^1].RowKey) : null;
        return new UserSessionPage([.. page.Select(r => r.GetString("SessionId"))], next);
    }

    /// <summary><c>{MaxTicks − creation ticks, 19 digits}-{sessionId}</c>: newer sessions sort first.</summary>
    internal static string RowKey(DateTimeOffset createdAt, string sessionId) =>
        (DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "-" + sessionId;

    /// <summary>The cursor is the last row key of the page, base64url: opaque to callers, checked on the way back.</summary>
    private static string EncodeCursor(string rowKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(rowKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string DecodeCursor(string cursor)
    {
        if (cursor.Length is 0 or > 200 || cursor.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new FormatException("Not a cursor of this list.");
        }

        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - base64.Length % 4) % 4);
        var rowKey = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        var dash = rowKey.IndexOf('-', StringComparison.Ordinal);
        if (dash != 19 || !rowKey[..19].All(char.IsAsciiDigit) || !Security.Identifiers.IsValid(rowKey[20..]))
        {
            throw new FormatException("Not a cursor of this list.");
        }

        return rowKey;
    }

    private string Partition(string userId) => _prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId)));

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken);
}
