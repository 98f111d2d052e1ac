using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using QPay.FunctionsHost.Functions;
using QPay.FunctionsHost.Http;
using QPay.FunctionsHost.Queues;
using QPay.FunctionsHost.Rpc;
using QPay.FunctionsHost.Timers;

namespace QPay.Functions.Tests.FunctionsHost;

/// <summary>
/// The host's conversions, where a mistake gives false passes or false failures end to end:
/// trigger data shaped as the Functions host shapes it, output values, routes and schedules.
/// </summary>
public sealed class ProtocolConversionTests
{
    private static readonly QueueMessage Message = QueuesModelFactory.QueueMessage(
        "message-1", "receipt-1", "hello", 2, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 8, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Queue_trigger_metadata_carries_the_dequeue_count_as_json_never_as_int()
    {
        var metadata = QueueTriggerData.Metadata(Message, "hello");

        Assert.Equal(TypedData.DataOneofCase.Json, metadata["DequeueCount"].DataCase);
        Assert.Equal("2", metadata["DequeueCount"].Json);
        Assert.Equal("hello", metadata["QueueTrigger"].String);
        Assert.Equal("message-1", metadata["Id"].String);
        Assert.Equal("receipt-1", metadata["PopReceipt"].String);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), JsonSerializer.Deserialize<DateTimeOffset>(metadata["InsertionTime"].Json));
        Assert.DoesNotContain(metadata.Values, v => v.DataCase == TypedData.DataOneofCase.Int);
    }

    [Fact]
    public void A_QueueMessage_parameter_gets_the_serialized_message_as_model_binding_data()
    {
        var trigger = BindingDefinition.Parse("""{"name":"message","direction":"In","type":"queueTrigger","queueName":"q","properties":{"supportsDeferredBinding":"True"}}""");

        var input = QueueTriggerData.Input(trigger, Message, "hello");

        Assert.Equal("message", input.Name);
        var data = input.Data.ModelBindingData;
        Assert.Equal("AzureStorageQueues", data.Source);
        Assert.Equal("application/json", data.ContentType);
        var content = JsonDocument.Parse(data.Content.ToByteArray()).RootElement;
        Assert.Equal("hello", content.GetProperty("MessageText").GetString());
        Assert.Equal(2, content.GetProperty("DequeueCount").GetInt64());
        Assert.Equal("receipt-1", content.GetProperty("PopReceipt").GetString());
    }

    [Fact]
    public void A_string_parameter_gets_the_message_text()
    {
        var trigger = BindingDefinition.Parse("""{"name":"body","direction":"In","type":"queueTrigger","queueName":"q","properties":{}}""");

        Assert.Equal("hello", QueueTriggerData.Input(trigger, Message, "hello").Data.String);
    }

    [Theory]
    [InlineData("aGVsbG8=", true, "hello")]
    [InlineData("hello", false, "hello")]
    public void Message_text_is_decoded_per_host_json_encoding(string stored, bool base64, string expected)
    {
        Assert.True(QueueTriggerData.TryDecode(BinaryData.FromString(stored), base64, out var text));
        Assert.Equal(expected, text);
    }

    [Fact]
    public void A_message_that_is_not_base64_is_refused()
    {
        Assert.False(QueueTriggerData.TryDecode(BinaryData.FromString("not base64!"), base64: true, out _));
    }

    [Fact]
    public void Output_values_become_one_message_each()
    {
        var strings = new TypedData { CollectionString = new CollectionString() };
        strings.CollectionString.String.Add(["a", "b"]);

        Assert.Equal(["x"], Texts(new TypedData { String = "x" }));
        Assert.Equal(["""{"id":1}"""], Texts(new TypedData { Json = """{"id":1}""" }));
        Assert.Equal(["""{"id":1}""", "two"], Texts(new TypedData { Json = """[{"id":1},"two"]""" }));
        Assert.Equal(["a", "b"], Texts(strings));
        Assert.Empty(Texts(new TypedData { Json = "null" }));
        Assert.Empty(Texts(null));

        static IEnumerable<string> Texts(TypedData? data) => TypedDataConvert.ToMessages(data).Select(m => m.ToString());
    }

    [Theory]
    [InlineData("GET", "/api/orders/latest", "LatestOrder")]
    [InlineData("GET", "/api/orders/7", "OrderById")]
    [InlineData("GET", "/api/orders/seven", null)]
    [InlineData("POST", "/api/orders/7", null)]
    [InlineData("PATCH", "/api/Catchall", "Catchall")]
    public void Routes_match_the_most_specific_template_with_its_constraints_and_methods(string method, string path, string? expected)
    {
        var routes = HttpRouteTable.Build(
            [
                Http("OrderById", """ "methods":["get"], "route":"orders/{id:int}" """),
                Http("LatestOrder", """ "methods":["get"], "route":"orders/latest" """),
                Http("Catchall", """ "route":null """),
            ],
            "api",
            new ServiceCollection().AddRouting().BuildServiceProvider().GetRequiredService<IInlineConstraintResolver>());
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;

        Assert.Equal(expected, routes.Match(context)?.Route.Function.Name);
    }

    [Theory]
    [InlineData("*/5 * * * * *", "2026-01-01T00:00:02Z", "2026-01-01T00:00:05Z")]
    [InlineData("*/5 * * * *", "2026-01-01T00:01:00Z", "2026-01-01T00:05:00Z")]
    [InlineData("00:00:30", "2026-01-01T00:00:00Z", "2026-01-01T00:00:30Z")]
    public void Timer_schedules_accept_ncrontab_with_or_without_seconds_and_intervals(string expression, string after, string next)
    {
        var schedule = TimerSchedule.Parse(expression);

        Assert.Equal(DateTime.Parse(next, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
            schedule.Next(DateTime.Parse(after, null, System.Globalization.DateTimeStyles.AdjustToUniversal)));
    }

    [Fact]
    public void A_schedule_that_is_neither_cron_nor_interval_is_refused()
    {
        Assert.Throws<FormatException>(() => TimerSchedule.Parse("every minute"));
    }

    private static FunctionDefinition Http(string name, string binding)
    {
        var metadata = new RpcFunctionMetadata { Name = name, FunctionId = name };
        metadata.RawBindings.Add($$"""{"name":"request","direction":"In","type":"httpTrigger","authLevel":"Anonymous",{{binding}}}""");
        return FunctionDefinition.From(metadata);
    }
}
