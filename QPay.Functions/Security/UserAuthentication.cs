namespace QPay.Functions.Security;

/// <summary>Who is calling a public endpoint, from their JWT.</summary>
public interface IUserAuthenticator
{
    /// <param name="authorizationHeader">The raw <c>Authorization</c> header, if any.</param>
    /// <param name="cookieToken">The <c>access_token</c> cookie, if any (used when no bearer header).</param>
    Task<UserAuthentication> AuthenticateAsync(string? authorizationHeader, string? cookieToken, CancellationToken cancellationToken);
}

/// <summary>A user id, or why there is none (safe to show to the caller).</summary>
public sealed record UserAuthentication(string? UserId, string? Failure)
{
    public bool Succeeded => UserId is not null;

    public static UserAuthentication Success(string userId) => new(userId, null);

    public static UserAuthentication Fail(string reason) => new(null, reason);
}
