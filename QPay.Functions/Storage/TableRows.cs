using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Azure.Data.Tables;

namespace QPay.Functions.Storage;

/// <summary>
/// Typed rows from an untyped read: a partition query that returns rows of different kinds (a
/// session with its claim) reads them as <see cref="TableEntity"/>, and each is then read as its own type.
/// </summary>
public static class TableRows
{
    public static T As<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(TableEntity row)
        where T : class, ITableEntity, new()
    {
        var typed = new T { PartitionKey = row.PartitionKey, RowKey = row.RowKey, Timestamp = row.Timestamp, ETag = row.ETag };
        foreach (var property in Columns<T>.Writable)
        {
            if (row.TryGetValue(property.Name, out var value) && value is not null)
            {
                property.SetValue(typed, ValueAs(value, property.PropertyType));
            }
        }

        return typed;
    }

    /// <summary>Whether two rows of one type hold the same values in every column (keys, timestamp and ETag aside).</summary>
    public static bool SameValues<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(T first, T second)
        where T : class, ITableEntity =>
        Columns<T>.Writable.All(property => (property.GetValue(first), property.GetValue(second)) switch
        {
            (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
            var (a, b) => Equals(a, b),
        });

    private static object ValueAs(object value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return value switch
        {
            _ when target.IsInstanceOfType(value) => value,
            DateTime time when target == typeof(DateTimeOffset) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
            _ => Convert.ChangeType(value, target, CultureInfo.InvariantCulture),
        };
    }

    private static class Columns<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>
    {
        private static readonly string[] Keys = [nameof(ITableEntity.PartitionKey), nameof(ITableEntity.RowKey), nameof(ITableEntity.Timestamp), nameof(ITableEntity.ETag)];

        public static readonly PropertyInfo[] Writable = typeof(T)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && !Keys.Contains(p.Name))
            .ToArray();
    }
}
