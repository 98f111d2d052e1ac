// Azure Managed Redis (Microsoft.Cache/redisEnterprise), not Azure Cache for Redis:
// - Azure Cache for Redis (Basic/Standard/Premium) is being retired in favour of Managed Redis, so
//   a new deployment should not start on it.
// - Managed Redis runs on the Redis Enterprise stack, TLS only, with a smaller entry price
//   (Balanced_B0) than a Premium cache and high availability on by default.
// - EnterpriseCluster clustering exposes one endpoint that behaves like a single Redis server, so
//   the app's plain StackExchange.Redis connection (RedisUri) and its multi-key Lua scripts (rate
//   limiter, locks) work unchanged; OSSCluster would need a cluster-aware client and hash tags.
// The app signs in to Redis with an access key, not Entra ID (it has no Entra auth for Redis), so
// access keys stay enabled and the connection string (rediss://:<key>@<host>:10000) goes to Key
// Vault as REDIS-DATABASE-URI (keyvault.bicep); it is never an output or an app setting.

@description('Name of the Managed Redis cluster.')
param name string

@description('Azure region of the cluster.')
param location string

@description('Tags for the cluster.')
param tags object

@description('Reachable only through a private endpoint (vnetEnabled): public network access off.')
param privateOnly bool = false

@description('Log Analytics workspace that receives the connection logs and metrics.')
param logAnalyticsWorkspaceId string

@description('Managed Redis SKU: Balanced_B0 (0.5 GB) holds sessions, tokens and rate-limit counters comfortably.')
param skuName string = 'Balanced_B0'

resource cluster 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    // TLS only (clientProtocol below), never below TLS 1.2.
    minimumTlsVersion: '1.2'
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
    highAvailability: 'Enabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: cluster
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    clusteringPolicy: 'EnterpriseCluster'
    // Every key the app writes has a TTL (sessions, the QPay token, locks, rate-limit windows):
    // under memory pressure the least recently used of them go first, never an error.
    evictionPolicy: 'VolatileLRU'
    accessKeysAuthentication: 'Enabled'
  }
}

// Connection events of the database and the cluster's metrics.
resource databaseDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: database
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource clusterDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: cluster
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = cluster.name
output hostName string = cluster.properties.hostName
