using System.Text.Json.Serialization;

namespace QPay.Functions.QPayApi;

/// <summary>A QPay access token with its refresh token, as shared in Redis.</summary>
public sealed record QPayToken(
    [property: JsonPropertyName("access")] string AccessToken,
    [property: JsonPropertyName("refresh")] string? RefreshToken,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("refreshExpiresAt")] DateTimeOffset RefreshExpiresAt)
{
    /// <summary>For the Redis write script, which compares expiries without parsing dates.</summary>
    [JsonPropertyName("expiresAtUnix")]
    public long ExpiresAtUnix => ExpiresAt.ToUnixTimeSeconds();

    /// <summary>Usable for calls: not rejected, and not within <paramref name="margin"/> of expiry.</summary>
    public bool IsFresh(DateTimeOffset now, TimeSpan margin, string? rejected = null) =>
        now < ExpiresAt - margin && !string.Equals(AccessToken, rejected, StringComparison.Ordinal);

    public bool CanRefresh(DateTimeOffset now) =>
        RefreshToken is not null && now < RefreshExpiresAt - TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads QPay's token answer. <c>expires_in</c> is absolute epoch seconds; a small value
    /// (before 2001) can only be a duration, which some QPay documentation copies claim, and is
    /// read as one rather than expiring the token in 1970.
    /// </summary>
    internal static QPayToken From(TokenResponseWire wire, DateTimeOffset now, string endpoint)
    {
        if (string.IsNullOrEmpty(wire.AccessToken) || wire.ExpiresIn is not { } expiresIn)
        {
            throw new QPayApiException(endpoint, System.Net.HttpStatusCode.OK, "MALFORMED_TOKEN", null, "QPay's token answer lacks access_token or expires_in");
        }

        var expiresAt = ToInstant(expiresIn, now);
        var refreshExpiresAt = wire.RefreshExpiresIn is { } refreshIn ? ToInstant(refreshIn, now) : expiresAt;
        return new QPayToken(wire.AccessToken, string.IsNullOrEmpty(wire.RefreshToken) ? null : wire.RefreshToken, expiresAt, refreshExpiresAt);
    }

    private static DateTimeOffset ToInstant(long value, DateTimeOffset now) =>
        value < 1_000_000_000 ? now.AddSeconds(value) : DateTimeOffset.FromUnixTimeSeconds(value);
}

[JsonSerializable(typeof(QPayToken))]
internal sealed partial class QPayTokenJsonContext : JsonSerializerContext;
