using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace QPay.Functions.Storage;

/// <summary>What an idempotency key holds when a request comes with it.</summary>
public enum IdempotencyState
{
    /// <summary>The key is new, or its first request did not finish: carry the request out (it must be idempotent itself).</summary>
    Proceed,

    /// <summary>The key's first request finished: answer what it answered.</summary>
    Replay,

    /// <summary>The key was used for another request.</summary>
    Mismatch,
}

/// <summary>A finished request's answer, kept under its key.</summary>
public sealed record IdempotentResponse(int StatusCode, string Body);

public sealed record IdempotencyClaim(IdempotencyState State, IdempotentResponse? Response = null);

/// <summary>
/// The IdempotencyKeys table: a request's key (PK, hashed: keys are the caller's text), the
/// fingerprint of the request it was first used for, and that request's answer once it is known.
/// </summary>
public interface IIdempotencyStore
{
    /// <param name="scope">The operation the key belongs to (a key of one operation is unrelated to another's).</param>
    /// <param name="fingerprint">The request as the operation sees it: the same key with another fingerprint is a mismatch.</param>
    Task<IdempotencyClaim> BeginAsync(string scope, string key, string fingerprint, CancellationToken cancellationToken);

    Task CompleteAsync(string scope, string key, IdempotentResponse response, CancellationToken cancellationToken);
}

internal sealed class IdempotencyTable(StorageClients storage, IOptions<StorageOptions> options, TimeProvider clock) : IIdempotencyStore
{
    /// <summary>When the key's first request came (retention removes keys by it).</summary>
    public const string CreatedAtProperty = "CreatedAt";

    private const string RowKey = "key";
    private readonly string _tableName = options.Value.IdempotencyKeysTable;

    public async Task<IdempotencyClaim> BeginAsync(string scope, string key, string fingerprint, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(_tableName, cancellationToken).ConfigureAwait(false);
        var partition = Partition(scope, key);
        try
        {
            await table.AddEntityAsync(
                new TableEntity(partition, RowKey) { ["Scope"] = scope, ["Fingerprint"] = fingerprint, [CreatedAtProperty] = clock.GetUtcNow() },
                cancellationToken).ConfigureAwait(false);
            return new IdempotencyClaim(IdempotencyState.Proceed);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var stored = (await table.GetEntityAsync<TableEntity>(partition, RowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (!string.Equals(stored.GetString("Fingerprint"), fingerprint, StringComparison.Ordinal))
            {
                return new IdempotencyClaim(IdempotencyState.Mismatch);
            }

            return stored.GetInt32("StatusCode") is { } status && stored.GetString("Body") is { } body
                ? new IdempotencyClaim(IdempotencyState.Replay, new IdempotentResponse(status, body))
                : new IdempotencyClaim(IdempotencyState.Proceed);
        }
    }

    public async Task CompleteAsync(string scope, string key, IdempotentResponse response, CancellationToken cancellationToken)
    {
        var table = await storage.GetTableAsync(_tableName, cancellationToken).ConfigureAwait(false);
        var answer = new TableEntity(Partition(scope, key), RowKey)
        {
            ["StatusCode"] = response.StatusCode,
            ["Body"] = response.Body,
            ["CompletedAt"] = clock.GetUtcNow(),
        };

        // Merge: keeps the fingerprint. Two requests finishing with the same key answer alike (the operation is idempotent).
        await table.UpdateEntityAsync(answer, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    private static string Partition(string scope, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope + "\n" + key)));
}
