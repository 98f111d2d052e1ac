using Azure.Core.Pipeline;

namespace QPay.Functions.Storage;

/// <summary>
/// A pipeline policy registered in DI that <see cref="StorageClients"/> runs on every try of every Table and Queue
/// request. The app registers none; the tests register one that loses a stored request's reply, which the SDK then
/// retries. Its own type, so that no other library's policy in the container joins the storage pipeline.
/// </summary>
public abstract class StorageTryPolicy : HttpPipelinePolicy;
