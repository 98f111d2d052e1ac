// Key Vault in RBAC mode holding the app's secrets. The app reads them itself: KEY_VAULT_URI is an
// app setting and QPay.Functions/Hosting/KeyVaultSecretsConfigurationProvider loads every enabled
// secret, names mapped '-' -> '_' (Key Vault names cannot contain '_'), and re-reads changed
// versions every KEY_VAULT_REFRESH_INTERVAL_SEC, so a rotation needs no restart. No secret is an
// app setting, an output or a deployment log entry.

@description('Name of the vault (3-24 letters, digits and dashes).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags for the vault.')
param tags object

@description('Reachable only through a private endpoint (vnetEnabled): public network access off.')
param privateOnly bool = false

@description('Log Analytics workspace that receives the vault\'s audit logs.')
param logAnalyticsWorkspaceId string

@description('Name of the Managed Redis cluster whose access key makes up REDIS-DATABASE-URI.')
param redisName string

@secure()
@description('QPay merchant client secret (QPAY_CLIENT_SECRET).')
param qpayClientSecret string

@secure()
@description('HMAC key of the webhook callback token (QPAY_WEBHOOK_SECRET), at least 32 bytes.')
param qpayWebhookSecret string

@secure()
@description('The webhook key before a rotation (QPAY_WEBHOOK_SECRET_PREVIOUS); empty creates no secret.')
param qpayWebhookSecretPrevious string = ''

@secure()
@description('HS256 key of user JWTs (AUTH_JWT_SECRET); empty creates no secret (an OIDC authority is used instead).')
param authJwtSecret string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // A deleted vault or secret cannot be purged before the 90 days are over, not even by an
    // owner: the payment secrets survive a mistake or an attacker. It cannot be turned off again,
    // and `azd down` then leaves the name taken for 90 days (a new environment name avoids it).
    enablePurgeProtection: true
    // The secrets below are written through Azure Resource Manager, which a closed vault still allows.
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateOnly ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource redisCluster 'Microsoft.Cache/redisEnterprise@2025-07-01' existing = {
  name: redisName
}

resource redisDatabase 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' existing = {
  parent: redisCluster
  name: 'default'
}

resource qpayClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'QPAY-CLIENT-SECRET'
  properties: {
    value: qpayClientSecret
  }
}

resource qpayWebhookSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'QPAY-WEBHOOK-SECRET'
  properties: {
    value: qpayWebhookSecret
  }
}

resource qpayWebhookSecretPreviousSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(qpayWebhookSecretPrevious)) {
  parent: vault
  name: 'QPAY-WEBHOOK-SECRET-PREVIOUS'
  properties: {
    value: qpayWebhookSecretPrevious
  }
}

resource authJwtSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(authJwtSecret)) {
  parent: vault
  name: 'AUTH-JWT-SECRET'
  properties: {
    value: authJwtSecret
  }
}

// The key is percent-encoded: it is base64 and may hold '/' or '+', which the URI's user-info
// part cannot carry as they are (RedisUri decodes it again).
resource redisDatabaseUriSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'REDIS-DATABASE-URI'
  properties: {
    value: 'rediss://:${uriComponent(redisDatabase.listKeys().primaryKey)}@${redisCluster.properties.hostName}:${redisDatabase.properties.port}'
    contentType: 'rediss URI with access key'
  }
}

// Every secret read and every change (AuditEvent), and the vault's metrics.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
