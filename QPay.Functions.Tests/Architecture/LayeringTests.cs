using System.Text.RegularExpressions;
using QPay.Functions.Tests.Infrastructure;

namespace QPay.Functions.Tests.Architecture;

/// <summary>
/// Dependencies run one way (design §2): Functions → Payments → QPayApi, Storage, Security, and
/// inside Payments each sub-folder uses only those listed before it. Read from the source text.
/// </summary>
public sealed partial class LayeringTests
{
    /// <summary>The Payments sub-folders, lowest first: each may use only the folders before it.</summary>
    private static readonly string[] PaymentsOrder =
    [
        "Audit", "Sessions", "Catalog", "Claims", "Refunds", "Receipts", "RateLimiting", "Pricing", "Seeding", "Orders", "Verification", "Refunding", "Webhooks", "Reconciliation", "Cancellation", "Status", "Ledger", "Operations", "Retention",
    ];

    private static readonly string AppRoot = TestPaths.InRepository("QPay.Functions");

    [Fact]
    public void Every_payments_sub_folder_is_placed_in_the_order()
    {
        var folders = Directory.GetDirectories(Path.Combine(AppRoot, "Payments")).Select(Path.GetFileName).Order();

        Assert.Equal(PaymentsOrder.Order(), folders);
    }

    [Fact]
    public void Payments_sub_folders_depend_only_on_lower_ones()
    {
        var wrong = new List<string>();
        for (var level = 0; level < PaymentsOrder.Length; level++)
        {
            var folder = PaymentsOrder[level];
            foreach (var used in Uses(Path.Combine(AppRoot, "Payments", folder), PaymentsNamespace()))
            {
                var usedLevel = Array.IndexOf(PaymentsOrder, used);
                if (used != folder && usedLevel >= level)
                {
                    wrong.Add($"Payments/{folder} uses Payments/{used}");
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Theory]
    [InlineData("QPayApi")]
    [InlineData("Storage")]
    [InlineData("Security")]
    [InlineData("Telemetry")]
    public void Lower_layers_never_see_payments_or_functions(string layer)
    {
        var text = string.Join('\n', Directory.GetFiles(Path.Combine(AppRoot, layer), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));

        Assert.DoesNotContain("QPay.Functions.Payments", text);
        Assert.DoesNotContain("QPay.Functions.Functions", text);
    }

    [Fact]
    public void Payments_never_sees_functions_types()
    {
        var text = string.Join('\n', Directory.GetFiles(Path.Combine(AppRoot, "Payments"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));

        Assert.DoesNotContain("QPay.Functions.Functions", text);
        Assert.DoesNotContain("Microsoft.AspNetCore.Http", text);
        Assert.DoesNotContain("Microsoft.Azure.Functions.Worker", text);
    }

    [Fact]
    public void Redis_keys_are_named_only_in_redis_keys()
    {
        var offenders = Directory.GetFiles(AppRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && Path.GetFileName(f) != "RedisKeys.cs")
            .Where(f => RedisKeyLiteral().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(AppRoot, f))
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void Table_rows_are_deleted_only_through_table_deletes()
    {
        // The SDK answers a missing row's 404 without throwing; TableDeletes is the one place that reads it.
        var offenders = Directory.GetFiles(AppRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && Path.GetFileName(f) != "TableDeletes.cs")
            .Where(f => File.ReadAllText(f).Contains(".DeleteEntityAsync(", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(AppRoot, f))
            .ToList();

        Assert.Empty(offenders);
    }

    private static IEnumerable<string> Uses(string folder, Regex reference) =>
        Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => reference.Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .Distinct();

    [GeneratedRegex(@"QPay\.Functions\.Payments\.([A-Z][A-Za-z]*)")]
    private static partial Regex PaymentsNamespace();

    [GeneratedRegex("\"(qpay:|payment-session)")]
    private static partial Regex RedisKeyLiteral();
}
