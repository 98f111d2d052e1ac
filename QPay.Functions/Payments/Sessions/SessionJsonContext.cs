using System.Text.Json;
using System.Text.Json.Serialization;

namespace QPay.Functions.Payments.Sessions;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(PaymentSession))]
[JsonSerializable(typeof(IReadOnlyList<CartLine>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Coupon))]
[JsonSerializable(typeof(SessionRefund))]
[JsonSerializable(typeof(EbarimtReceiver))]
[JsonSerializable(typeof(SessionReceipts))]
[JsonSerializable(typeof(SessionInvoice))]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
