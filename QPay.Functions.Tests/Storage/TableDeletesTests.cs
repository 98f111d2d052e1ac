using Azure;
using Azure.Data.Tables;
using QPay.Functions.Storage;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Storage;

/// <summary>
/// A delete says what it found, against the real Azurite: the SDK answers a missing
/// row's 404 without throwing, so a delete that only caught a 404 took a row already gone for one it removed.
/// </summary>
public sealed class TableDeletesTests
{
    [Fact]
    public async Task A_delete_tells_a_row_it_removed_from_one_already_gone_or_changed_since_read()
    {
        await using var harness = await PaymentsHarness.StartAsync();
        var table = await harness.Get<StorageClients>().GetTableAsync("Deletes" + Guid.NewGuid().ToString("N")[..12], default);
        var first = (await table.AddEntityAsync(new TableEntity("p", "read"))).Headers.ETag!.Value;
        await table.AddEntityAsync(new TableEntity("p", "any"));

        var missingUnderETag = await table.TryDeleteAsync("p", "absent", first, default);
        var missing = await table.DeleteIfExistsAsync("p", "absent", default);
        await table.UpdateEntityAsync(new TableEntity("p", "read") { ["Changed"] = true }, ETag.All, TableUpdateMode.Replace);
        var changedSinceRead = await table.TryDeleteAsync("p", "read", first, default);
        var current = (await table.GetEntityAsync<TableEntity>("p", "read")).Value.ETag;
        var underCurrent = await table.TryDeleteAsync("p", "read", current, default);
        var again = await table.TryDeleteAsync("p", "read", current, default);
        var present = await table.DeleteIfExistsAsync("p", "any", default);
        var presentAgain = await table.DeleteIfExistsAsync("p", "any", default);

        Assert.Equal((RowDelete.Gone, false), (missingUnderETag, missing));
        Assert.Equal(RowDelete.Changed, changedSinceRead);
        Assert.Equal((RowDelete.Deleted, RowDelete.Gone), (underCurrent, again));
        Assert.Equal((true, false), (present, presentAgain));
        Assert.Empty(table.Query<TableEntity>().ToList());
        await table.DeleteAsync();
    }
}
