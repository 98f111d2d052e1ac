namespace QPay.Functions;

/// <summary>
/// Source-generated log messages. The class is split by area (one partial file per folder);
/// event ids are grouped: 1xxx hosting, 2xxx storage and Redis, 3xxx QPay client, 4xxx security,
/// 5xxx payments. Never pass a secret, token, JWT, QR payload or whole body to any of these.
/// </summary>
internal static partial class Log;
