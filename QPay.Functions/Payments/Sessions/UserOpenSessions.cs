using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using QPay.Functions.Storage;

namespace QPay.Functions.Payments.Sessions;

/// <summary>A session recorded as open for its user, and when the session was created (the order of the cap).</summary>
public sealed record OpenSessionEntry(string SessionId, DateTimeOffset CreatedAt);

/// <summary>
/// The durable record of each user's open sessions (Table Storage, so that it holds while Redis is
/// down): one small partition per user of the PaymentSessions table, PK
/// <see cref="PaymentOptions.OpenSessionsPartitionPrefix"/> + the hex SHA-256 of the user id (a user id
/// may hold characters a PartitionKey may not, and is never stored here), RK sessionId. Session rows
/// have 32 hex digits as PK, so such a partition never meets one. A session enters once its invoice
/// exists; rows of sessions that ended leave lazily, when the user's next seed looks (the partition
/// stays small by construction: the cap, plus seeds running at the same moment).
/// </summary>
public interface IUserOpenSessions
{
    /// <summary>Records the session as open (again: idempotent).</summary>
    Task AddAsync(string userId, OpenSessionEntry entry, CancellationToken cancellationToken);

    /// <summary>The user's recorded sessions, oldest first: by creation, then by session id.</summary>
    Task<IReadOnlyList<OpenSessionEntry>> ListAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Forgets the session (idempotent).</summary>
    Task RemoveAsync(string userId, string sessionId, CancellationToken cancellationToken);
}

internal sealed class UserOpenSessionsTable(StorageClients storage, IOptions<PaymentOptions> options) : IUserOpenSessions
{
    private readonly string _prefix = options.Value.OpenSessionsPartitionPrefix;

    public async Task AddAsync(string userId, OpenSessionEntry entry, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(Partition(userId), entry.SessionId) { ["CreatedAt"] = entry.CreatedAt };
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OpenSessionEntry>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition(userId)}");
        var entries = new List<OpenSessionEntry>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", "CreatedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new OpenSessionEntry(entity.RowKey, entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue));
        }

        return [.. entries.OrderBy(e => e.CreatedAt).ThenBy(e => e.SessionId, StringComparer.Ordinal)];
    }

    public async Task RemoveAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        await table.DeleteIfExistsAsync(Partition(userId), sessionId, cancellationToken).ConfigureAwait(false);
    }

    private string Partition(string userId) => _prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId)));

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        storage.GetTableAsync(StorageNames.PaymentSessionsTable, cancellationToken);
}
