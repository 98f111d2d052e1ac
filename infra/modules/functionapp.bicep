// The QPay backend on a Flex Consumption plan (Linux, dotnet-isolated 10.0), running as the
// user-assigned identity. Every app setting the worker validates at start-up is set here or comes
// from Key Vault (keyvault.bicep); QPay.Functions.Tests/Infra checks that against the app's own
// options classes. Secrets are never app settings: KEY_VAULT_URI points the app at the vault.

@description('Name of the function app (also its default host name).')
param name string

@description('Name of the Flex Consumption (FC1) plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags for the plan and the app; the app also gets azd-service-name.')
param tags object

@description('azd service name in azure.yaml; azd deploys to the resource tagged with it.')
param serviceName string = 'api'

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (AzureWebJobsStorage__clientId, AZURE_CLIENT_ID, Application Insights).')
param identityClientId string

@description('Blob endpoint of the storage account (https://<account>.blob.<suffix>/).')
param storageBlobEndpoint string

@description('Queue endpoint of the storage account.')
param storageQueueEndpoint string

@description('Table endpoint of the storage account.')
param storageTableEndpoint string

@description('Blob container the app package is deployed to.')
param deploymentContainerName string

@description('Application Insights connection string (not a secret: local auth is off).')
param applicationInsightsConnectionString string

@description('Key Vault URI the app reads its secrets from (KEY_VAULT_URI).')
param keyVaultUri string

@description('Resource id of the VNet subnet (delegated to Microsoft.App/environments) the app sends its outbound traffic through; empty: no VNet.')
param virtualNetworkSubnetId string = ''

@description('Log Analytics workspace that receives the app\'s logs (FunctionAppLogs) and metrics.')
param logAnalyticsWorkspaceId string

@description('Public base URL QPay calls back; empty means this app\'s own https://<default host name>.')
param callbackPublicBaseUrl string = ''

@description('Origins (https://shop.example) allowed to call the app from a browser: site CORS, credentials allowed; empty: none')
param corsAllowedOrigins array = []

@description('Settings of the app that are not secrets; see README "Settings".')
param settings {
  @description('QPAY_BASE_URL')
  qpayBaseUrl: string
  @description('QPAY_CLIENT_ID')
  qpayClientId: string
  @description('QPAY_INVOICE_CODE')
  qpayInvoiceCode: string
  @description('QPAY_USD_TO_MNT_RATE (a decimal number, as text)')
  usdToMntRate: string
  @description('QPAY_ATTEMPT_TIMEOUT_SEC')
  qpayAttemptTimeoutSec: int
  @description('QPAY_TOTAL_TIMEOUT_SEC')
  qpayTotalTimeoutSec: int
  @description('PAYMENT_SESSION_TTL_SEC')
  paymentSessionTtlSec: int
  @description('STATUS_RATE_LIMIT_PER_MINUTE')
  statusRateLimitPerMinute: int
  @description('SEED_SESSION_RATE_LIMIT_PER_MINUTE')
  seedSessionRateLimitPerMinute: int
  @description('SEED_SESSION_INSTANCE_RATE_PER_MINUTE')
  seedSessionInstanceRatePerMinute: int
  @description('MAX_OPEN_SESSIONS_PER_USER')
  maxOpenSessionsPerUser: int
  @description('PAYMENT_SESSION_EXPIRY_SEC')
  paymentSessionExpirySec: int
  @description('LATE_PAYMENT_POLICY')
  latePaymentPolicy: string
  @description('INTERNAL_WEBHOOK_DEBUG')
  internalWebhookDebug: bool
  @description('AUDIT_RETENTION_DAYS')
  auditRetentionDays: int
  @description('SESSION_RETENTION_DAYS (0: sessions are kept forever)')
  sessionRetentionDays: int
  @description('QPAY_EBARIMT_ENABLED')
  ebarimtEnabled: bool
  @description('QPAY_EBARIMT_DEFAULT_RECEIVER_TYPE')
  ebarimtDefaultReceiverType: string
  @description('QPAY_EBARIMT_DISTRICT_CODE (empty: QPay\'s default)')
  ebarimtDistrictCode: string
  @description('QPAY_EBARIMT_CLASSIFICATION_CODE (empty: QPay\'s default)')
  ebarimtClassificationCode: string
  @description('AUTH_JWT_AUTHORITY (empty with an HS256 secret in Key Vault)')
  authJwtAuthority: string
  @description('AUTH_JWT_AUDIENCE')
  authJwtAudience: string
  @description('AUTH_JWT_ISSUER')
  authJwtIssuer: string
  @description('AUTH_USER_ID_CLAIM')
  authUserIdClaim: string
  @description('INTERNAL_AUTH_MODE: FunctionKey, or EntraId (also an Entra ID token with the app role)')
  internalAuthMode: string
  @description('INTERNAL_AUTH_ENTRA_TENANT_ID')
  internalAuthEntraTenantId: string
  @description('INTERNAL_AUTH_ENTRA_AUTHORITY (empty: https://login.microsoftonline.com/<tenant>/v2.0)')
  internalAuthEntraAuthority: string
  @description('INTERNAL_AUTH_ENTRA_AUDIENCE (Application ID URI and/or client id, comma-separated)')
  internalAuthEntraAudience: string
  @description('INTERNAL_AUTH_ENTRA_ROLE (the app role\'s value)')
  internalAuthEntraRole: string
  @description('KEY_VAULT_REFRESH_INTERVAL_SEC')
  keyVaultRefreshIntervalSec: int
  @description('CHECKOUT_DEMO_ENABLED (local development only)')
  checkoutDemoEnabled: bool
}

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of one instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    // All outbound traffic goes through this subnet (Flex Consumption routes everything into the
    // VNet): the private endpoints of storage, the vault and Redis, and QPay over the internet.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // The checkout widget and the API called from a marketplace's own origins, with its cookie or bearer token.
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: !empty(corsAllowedOrigins)
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

var functionUrl = 'https://${site.properties.defaultHostName}'
var callbackBaseUrl = empty(callbackPublicBaseUrl) ? functionUrl : callbackPublicBaseUrl

// A separate config resource (not siteConfig.appSettings) so a setting may use the app's own
// default host name, which is known only once the app exists. It replaces the whole set.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Host and app storage, identity-based (no connection string in Azure).
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
    // Telemetry of the host and the worker, signed in as the identity (local auth is off).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
    // DefaultAzureCredential (Key Vault provider) picks the user-assigned identity by this.
    AZURE_CLIENT_ID: identityClientId
    // Secrets: QPAY_CLIENT_SECRET, QPAY_WEBHOOK_SECRET(_PREVIOUS), AUTH_JWT_SECRET and
    // REDIS_DATABASE_URI are read from this vault by the app (dash names, '-' -> '_').
    KEY_VAULT_URI: keyVaultUri
    KEY_VAULT_REFRESH_INTERVAL_SEC: string(settings.keyVaultRefreshIntervalSec)
    QPAY_BASE_URL: settings.qpayBaseUrl
    QPAY_CLIENT_ID: settings.qpayClientId
    QPAY_INVOICE_CODE: settings.qpayInvoiceCode
    QPAY_CALLBACK_PUBLIC_BASE_URL: callbackBaseUrl
    QPAY_USD_TO_MNT_RATE: settings.usdToMntRate
    QPAY_ATTEMPT_TIMEOUT_SEC: string(settings.qpayAttemptTimeoutSec)
    QPAY_TOTAL_TIMEOUT_SEC: string(settings.qpayTotalTimeoutSec)
    PAYMENT_SESSION_TTL_SEC: string(settings.paymentSessionTtlSec)
    STATUS_RATE_LIMIT_PER_MINUTE: string(settings.statusRateLimitPerMinute)
    SEED_SESSION_RATE_LIMIT_PER_MINUTE: string(settings.seedSessionRateLimitPerMinute)
    SEED_SESSION_INSTANCE_RATE_PER_MINUTE: string(settings.seedSessionInstanceRatePerMinute)
    MAX_OPEN_SESSIONS_PER_USER: string(settings.maxOpenSessionsPerUser)
    PAYMENT_SESSION_EXPIRY_SEC: string(settings.paymentSessionExpirySec)
    LATE_PAYMENT_POLICY: settings.latePaymentPolicy
    INTERNAL_WEBHOOK_DEBUG: string(settings.internalWebhookDebug)
    AUDIT_RETENTION_DAYS: string(settings.auditRetentionDays)
    SESSION_RETENTION_DAYS: string(settings.sessionRetentionDays)
    QPAY_EBARIMT_ENABLED: string(settings.ebarimtEnabled)
    QPAY_EBARIMT_DEFAULT_RECEIVER_TYPE: settings.ebarimtDefaultReceiverType
    QPAY_EBARIMT_DISTRICT_CODE: settings.ebarimtDistrictCode
    QPAY_EBARIMT_CLASSIFICATION_CODE: settings.ebarimtClassificationCode
    AUTH_JWT_AUTHORITY: settings.authJwtAuthority
    AUTH_JWT_AUDIENCE: settings.authJwtAudience
    AUTH_JWT_ISSUER: settings.authJwtIssuer
    AUTH_USER_ID_CLAIM: settings.authUserIdClaim
    INTERNAL_AUTH_MODE: settings.internalAuthMode
    INTERNAL_AUTH_ENTRA_TENANT_ID: settings.internalAuthEntraTenantId
    INTERNAL_AUTH_ENTRA_AUTHORITY: settings.internalAuthEntraAuthority
    INTERNAL_AUTH_ENTRA_AUDIENCE: settings.internalAuthEntraAudience
    INTERNAL_AUTH_ENTRA_ROLE: settings.internalAuthEntraRole
    CHECKOUT_DEMO_ENABLED: string(settings.checkoutDemoEnabled)
    // The worker's GC: a 16 MiB gen0 budget instead of one derived from the machine's last-level
    // cache (the 2-core dev VM reports 300 MiB), for a resident set ~50 MB lower at the price of more,
    // short, gen0 collections. It caps nothing, so a burst still gets the memory it needs
    // (docs/performance.md, issue 21). The runtime reads it from the environment only.
    DOTNET_GCgen0size: '0x1000000'
    // No instrumented tiers for profile-guided optimisation: each hot method is compiled once for
    // tier 1 instead of twice more with counters, ~10 MB less JIT code for an I/O-bound worker; and
    // glibc's malloc in two arenas instead of one per core and thread. Together ~23 MB lower peak
    // resident memory in the benchmark (docs/performance.md, issue 21). Environment only.
    DOTNET_TieredPGO: '0'
    MALLOC_ARENA_MAX: '2'
  }
}

// Deployments sign in with Entra ID (azd, az functionapp deploy); no basic-auth publishing.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: site
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

output name string = site.name
output url string = functionUrl
output callbackPublicBaseUrl string = callbackBaseUrl
