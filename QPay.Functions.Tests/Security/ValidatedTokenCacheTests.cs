using Microsoft.Extensions.Time.Testing;
using QPay.Functions.Security;

namespace QPay.Functions.Tests.Security;

public sealed class ValidatedTokenCacheTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void An_accepted_token_is_answered_until_its_expiry_and_not_after()
    {
        var cache = new ValidatedTokenCache(_clock);
        cache.Add("token-a", "alice", _clock.GetUtcNow().UtcDateTime.AddMinutes(1));

        var before = cache.TryGet("token-a", out var user);
        _clock.Advance(TimeSpan.FromSeconds(59));
        var justBefore = cache.TryGet("token-a", out _);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var atExpiry = cache.TryGet("token-a", out _);

        Assert.True(before);
        Assert.Equal("alice", user);
        Assert.True(justBefore);
        Assert.False(atExpiry);
    }

    [Fact]
    public void A_long_lived_token_is_validated_again_after_the_max_age()
    {
        var cache = new ValidatedTokenCache(_clock);
        cache.Add("token-a", "alice", _clock.GetUtcNow().UtcDateTime.AddHours(12));

        _clock.Advance(ValidatedTokenCache.MaxAge - TimeSpan.FromSeconds(1));
        var within = cache.TryGet("token-a", out _);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var past = cache.TryGet("token-a", out _);

        Assert.True(within);
        Assert.False(past);
    }

    [Fact]
    public void Only_the_same_token_matches_and_an_expired_one_is_not_kept()
    {
        var cache = new ValidatedTokenCache(_clock);
        cache.Add("token-a", "alice", _clock.GetUtcNow().UtcDateTime.AddMinutes(1));
        cache.Add("token-old", "bob", _clock.GetUtcNow().UtcDateTime);

        Assert.False(cache.TryGet("token-a ", out _));
        Assert.False(cache.TryGet("token-b", out _));
        Assert.False(cache.TryGet("token-old", out _));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void It_never_holds_more_than_its_capacity()
    {
        var cache = new ValidatedTokenCache(_clock);
        var expiry = _clock.GetUtcNow().UtcDateTime.AddMinutes(1);
        for (var i = 0; i <= ValidatedTokenCache.Capacity; i++)
        {
            cache.Add($"token-{i}", $"user-{i}", expiry);
        }

        Assert.InRange(cache.Count, 1, ValidatedTokenCache.Capacity);
        Assert.True(cache.TryGet($"token-{ValidatedTokenCache.Capacity}", out var last));
        Assert.Equal($"user-{ValidatedTokenCache.Capacity}", last);
    }

    [Fact]
    public void When_full_the_expired_entries_make_room_first()
    {
        var cache = new ValidatedTokenCache(_clock);
        var now = _clock.GetUtcNow().UtcDateTime;
        cache.Add("token-lasting", "alice", now.AddMinutes(2));
        for (var i = 1; i < ValidatedTokenCache.Capacity; i++)
        {
            cache.Add($"token-{i}", $"user-{i}", now.AddMinutes(1));
        }

        _clock.Advance(TimeSpan.FromMinutes(1));
        cache.Add("token-new", "bob", now.AddMinutes(3));

        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet("token-lasting", out _));
        Assert.True(cache.TryGet("token-new", out _));
    }
}
