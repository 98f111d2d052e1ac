using QPay.Functions.Payments.Sessions;

namespace QPay.Functions.Payments.Receipts;

/// <summary>The <c>ebarimt</c> field of a checkout, as sent.</summary>
public sealed class EbarimtInput
{
    [System.Text.Json.Serialization.JsonPropertyName("receiverType")] public string? ReceiverType { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("receiver")] public string? Receiver { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("districtCode")] public string? DistrictCode { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("classificationCode")] public string? ClassificationCode { get; set; }
}

/// <summary>
/// The rules of an e-receipt's receiver: CITIZEN (optionally an 8-digit phone number) or COMPANY
/// (its 7-digit register number, required); the seed system's ORGANIZATION and BUSINESS mean COMPANY.
/// </summary>
public static class EbarimtReceivers
{
    public static string? Normalise(string? receiverType) => receiverType?.Trim().ToUpperInvariant() switch
    {
        EbarimtReceiver.Citizen => EbarimtReceiver.Citizen,
        EbarimtReceiver.Company or "ORGANIZATION" or "BUSINESS" => EbarimtReceiver.Company,
        _ => null,
    };

    public static bool IsDistrictCode(string value) => value.Length == 4 && value.All(char.IsAsciiDigit);

    public static bool IsClassificationCode(string value) => value.Length == 7 && value.All(char.IsAsciiDigit);

    /// <summary>The checkout's receiver, or null (the settings' default); a problem names the field (under <paramref name="prefix"/>).</summary>
    public static (EbarimtReceiver? Receiver, ValidationProblem? Problem) Validate(EbarimtInput? input, EbarimtOptions options, string prefix = "")
    {
        var field = prefix + "ebarimt";
        var type = input?.ReceiverType is null ? Normalise(options.DefaultReceiverType) : Normalise(input.ReceiverType);
        if (type is null)
        {
            return (null, new($"{field}.receiverType", $"{field}.receiverType must be CITIZEN or COMPANY (ORGANIZATION and BUSINESS mean COMPANY)."));
        }

        var receiver = string.IsNullOrWhiteSpace(input?.Receiver) ? null : input.Receiver.Trim();
        if (type == EbarimtReceiver.Company && (receiver is null || receiver.Length != 7 || !receiver.All(char.IsAsciiDigit)))
        {
            return (null, new($"{field}.receiver", $"{field}.receiver must be the company's register number (7 digits) for a COMPANY receipt."));
        }

        if (type == EbarimtReceiver.Citizen && receiver is not null && (receiver.Length != 8 || !receiver.All(char.IsAsciiDigit)))
        {
            return (null, new($"{field}.receiver", $"{field}.receiver of a CITIZEN receipt is an 8-digit phone number, or absent."));
        }

        if (input?.DistrictCode is { } district && !IsDistrictCode(district))
        {
            return (null, new($"{field}.districtCode", $"{field}.districtCode must be 4 digits."));
        }

        if (input?.ClassificationCode is { } classification && !IsClassificationCode(classification))
        {
            return (null, new($"{field}.classificationCode", $"{field}.classificationCode must be 7 digits."));
        }

        return input is null && type == EbarimtReceiver.Citizen
            ? (null, null)
            : (new EbarimtReceiver(type, receiver, input?.DistrictCode, input?.ClassificationCode), null);
    }
}
