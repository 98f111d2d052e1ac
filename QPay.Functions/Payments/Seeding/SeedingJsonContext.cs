using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Seeding;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(SeedSessionRequest))]
[JsonSerializable(typeof(InternalSeedSessionRequest))]
internal sealed partial class SeedingJsonContext : JsonSerializerContext;
