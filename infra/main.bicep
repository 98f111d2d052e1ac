// QPay payment backend on Azure: one resource group holding a Flex Consumption function app
// (dotnet-isolated, .NET 10) that runs as a user-assigned managed identity, its Storage account
// (host storage, tables, order queue and its poison queue, deployment container; shared keys
// off), Key Vault in RBAC mode with the app's secrets, Azure Managed Redis, Log Analytics and
// Application Insights (local auth off), and least-privilege role assignments.
//
// Subscription scope, as azd templates are: the template creates the resource group itself.
//   azd up                                          (azure.yaml, main.bicepparam)
//   az deployment sub create --location <region> --parameters infra/main.bicepparam
// README "Deploy to Azure" explains every parameter. Modules are local files under modules/:
// the public Bicep registry (and so Azure Verified Modules) is out of reach of our machines and CI.
targetScope = 'subscription'

// ---------------------------------------------------------------- environment
@minLength(1)
@maxLength(64)
@description('Name of the azd environment (dev, prod...): names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Azure region of every resource; it must offer Flex Consumption and Azure Managed Redis.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty means rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person or pipeline deploying, granted Key Vault Secrets Officer to set and rotate secrets; empty grants nothing.')
param principalId string = ''

@description('Kind of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Production networking: the app in a VNet, Storage, Key Vault and Redis reachable only through private endpoints; false: public endpoints (a quick trial).')
param vnetEnabled bool = true

// ---------------------------------------------------------------- QPay
@description('QPay API base URL without /v2 (QPAY_BASE_URL).')
param qpayBaseUrl string = 'https://merchant.qpay.mn'

@minLength(1)
@description('QPay merchant client id (QPAY_CLIENT_ID).')
param qpayClientId string

@minLength(1)
@description('Invoice code QPay issued to the merchant (QPAY_INVOICE_CODE).')
param qpayInvoiceCode string

@secure()
@minLength(1)
@description('QPay merchant client secret; stored in Key Vault as QPAY-CLIENT-SECRET.')
param qpayClientSecret string

@secure()
@minLength(32)
@description('HMAC key of webhook callback tokens, at least 32 bytes; Key Vault QPAY-WEBHOOK-SECRET.')
param qpayWebhookSecret string

@secure()
@description('The webhook key before a rotation; Key Vault QPAY-WEBHOOK-SECRET-PREVIOUS. Empty creates no secret.')
param qpayWebhookSecretPrevious string = ''

@description('Public base URL QPay calls back (a custom domain or front door); empty means the function app\'s own URL.')
param callbackPublicBaseUrl string = ''

@description('MNT per USD (QPAY_USD_TO_MNT_RATE), a decimal number as text.')
param qpayUsdToMntRate string = '3400'

@minValue(1)
@maxValue(120)
@description('Timeout of one call to QPay in seconds (QPAY_ATTEMPT_TIMEOUT_SEC).')
param qpayAttemptTimeoutSec int = 10

@minValue(1)
@maxValue(200)
@description('Budget of one call to QPay, retries included, in seconds (QPAY_TOTAL_TIMEOUT_SEC).')
param qpayTotalTimeoutSec int = 30

@minValue(60)
@maxValue(604800)
@description('Lifetime of a payment session in Redis in seconds (PAYMENT_SESSION_TTL_SEC).')
param paymentSessionTtlSec int = 600

@minValue(1)
@maxValue(100000)
@description('Status polls per user per minute across instances (STATUS_RATE_LIMIT_PER_MINUTE).')
param statusRateLimitPerMinute int = 120

@minValue(1)
@maxValue(10000)
@description('New payment sessions per user per minute across instances (SEED_SESSION_RATE_LIMIT_PER_MINUTE).')
param seedSessionRateLimitPerMinute int = 10

@minValue(1)
@maxValue(100000)
@description('New payment sessions per minute on one instance, over all its users, while Redis is down (SEED_SESSION_INSTANCE_RATE_PER_MINUTE).')
param seedSessionInstanceRatePerMinute int = 120

@minValue(1)
@maxValue(1000)
@description('Open (PENDING) payment sessions per user; a new one over it expires the oldest (MAX_OPEN_SESSIONS_PER_USER).')
param maxOpenSessionsPerUser int = 5

@minValue(60)
@maxValue(604800)
@description('How long a session waits for its payment before its invoice is cancelled (PAYMENT_SESSION_EXPIRY_SEC).')
param paymentSessionExpirySec int = 1800

@allowed([
  'fulfil'
  'refund'
])
@description('A payment verified after its session expired or was cancelled: fulfil the orders or refund it (LATE_PAYMENT_POLICY).')
param latePaymentPolicy string = 'fulfil'

@description('Log every webhook pipeline step (INTERNAL_WEBHOOK_DEBUG).')
param internalWebhookDebug bool = false

@minValue(1)
@maxValue(3650)
@description('Days a payment\'s audit trail events are kept (AUDIT_RETENTION_DAYS).')
param auditRetentionDays int = 90

@minValue(0)
@maxValue(3650)
@description('Days a finished session (with its claim, orders, refunds, receipts and events) is kept; 0 keeps them forever (SESSION_RETENTION_DAYS; else at least 30 and at least AUDIT_RETENTION_DAYS).')
param sessionRetentionDays int = 0

@description('The checkout demo page (CHECKOUT_DEMO_ENABLED): local development only, never in Azure.')
param checkoutDemoEnabled bool = false

@description('Origins (e.g. a marketplace\'s https://shop.example) that may call the app from a browser (site CORS).')
param corsAllowedOrigins array = []

// ---------------------------------------------------------------- e-receipts (ebarimt 3.0, through QPay)
@description('Issue an e-receipt for every verified payment (QPAY_EBARIMT_ENABLED).')
param ebarimtEnabled bool = false

@allowed([
  'CITIZEN'
  'COMPANY'
])
@description('Who a receipt is for when the checkout names nobody (QPAY_EBARIMT_DEFAULT_RECEIVER_TYPE).')
param ebarimtDefaultReceiverType string = 'CITIZEN'

@description('The merchant\'s district code, 4 digits; empty for QPay\'s default (QPAY_EBARIMT_DISTRICT_CODE).')
param ebarimtDistrictCode string = ''

@description('The goods\' classification code, 7 digits; empty for QPay\'s default (QPAY_EBARIMT_CLASSIFICATION_CODE).')
param ebarimtClassificationCode string = ''

// ---------------------------------------------------------------- user JWTs
@secure()
@description('HS256 key of user JWTs (at least 32 bytes); Key Vault AUTH-JWT-SECRET. Leave empty when authJwtAuthority is set.')
param authJwtSecret string = ''

@description('OIDC authority whose JWKS signs user JWTs (AUTH_JWT_AUTHORITY); the production choice.')
param authJwtAuthority string = ''

@description('Expected aud of user JWTs (AUTH_JWT_AUDIENCE); required with an authority.')
param authJwtAudience string = 'qpay-backend'

@minLength(1)
@description('Expected iss of user JWTs (AUTH_JWT_ISSUER); required: in Azure the app refuses to start without it.')
param authJwtIssuer string

@description('JWT claim holding the user id (AUTH_USER_ID_CLAIM).')
param authUserIdClaim string = 'sub'

// ---------------------------------------------------------------- internal callers
@description('How internal routes know their caller (INTERNAL_AUTH_MODE): the function key, or also an Entra ID token of the calling service with the app role.')
@allowed([
  'FunctionKey'
  'EntraId'
])
param internalAuthMode string = 'FunctionKey'

@description('Tenant whose tokens internal callers present (INTERNAL_AUTH_ENTRA_TENANT_ID); empty: the deployment\'s tenant.')
param internalAuthEntraTenantId string = ''

@description('Where the tenant\'s signing keys are discovered (INTERNAL_AUTH_ENTRA_AUTHORITY); empty: https://login.microsoftonline.com/<tenant>/v2.0.')
param internalAuthEntraAuthority string = ''

@description('Accepted aud of internal callers\' tokens (INTERNAL_AUTH_ENTRA_AUDIENCE): the app registration\'s Application ID URI and/or client id, comma-separated. Required with EntraId.')
param internalAuthEntraAudience string = ''

@description('App role internal callers must hold (INTERNAL_AUTH_ENTRA_ROLE).')
param internalAuthEntraRole string = 'Payments.Internal'

// ---------------------------------------------------------------- sizing
@minValue(30)
@maxValue(86400)
@description('How often the app re-reads Key Vault, in seconds (KEY_VAULT_REFRESH_INTERVAL_SEC): the longest a rotation takes to arrive.')
param keyVaultRefreshIntervalSec int = 300

@minValue(1)
@maxValue(1000)
@description('Most instances the Flex Consumption app scales out to.')
param functionMaximumInstanceCount int = 40

@description('Azure Managed Redis SKU.')
param redisSkuName string = 'Balanced_B0'

@description('E-mail address the alert rules notify (ALERT_EMAIL); empty: the action group has no receiver and alerts show only in the portal.')
param alertEmail string = ''

// ---------------------------------------------------------------- names
var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'qpay-backend'
}
var functionAppName = '${abbrs.webSitesFunctions}qpay-${resourceToken}'
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}qpay-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var redisName = '${abbrs.cacheRedisEnterprise}${resourceToken}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var vnetName = 'vnet-qpay-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'

// Design §5; the app's QPay.Functions/Storage/StorageNames.cs holds the same names (a test checks).
var tableNames = [
  'PaymentSessions'
  'ProcessedInvoices'
  'Orders'
  'Products'
  'Coupons'
  'Refunds'
  'IdempotencyKeys'
  'EbarimtReceipts'
  'PaymentEvents'
  'LedgerRuns'
]
var queueNames = [
  'qpay-order-creation'
  'qpay-order-creation-poison'
  'qpay-refunds'
  'qpay-refunds-poison'
  'qpay-reconcile'
  'qpay-reconcile-poison'
  'qpay-ebarimt'
  'qpay-ebarimt-poison'
]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    tableNames: tableNames
    queueNames: queueNames
    privateOnly: vnetEnabled
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    name: redisName
    location: location
    tags: tags
    skuName: redisSkuName
    privateOnly: vnetEnabled
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

// Names are passed as values known before deployment (not module outputs), so what-if can
// predict every resource; the dependsOn lists then say what must exist first.
module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  dependsOn: [
    redis
  ]
  params: {
    name: keyVaultName
    location: location
    tags: tags
    redisName: redisName
    privateOnly: vnetEnabled
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    qpayClientSecret: qpayClientSecret
    qpayWebhookSecret: qpayWebhookSecret
    qpayWebhookSecretPrevious: qpayWebhookSecretPrevious
    authJwtSecret: authJwtSecret
  }
}

// ---------------------------------------------------------------- network (vnetEnabled)
module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    name: vnetName
    location: location
    tags: tags
  }
}

// Storage's blob, queue and table services (the host and the app), the vault and Redis, each
// through its own private endpoint registered in its private DNS zone.
var privateEndpoints = [
  {
    service: 'blob'
    groupId: 'blob'
    type: 'Microsoft.Storage/storageAccounts'
    resourceName: storageAccountName
  }
  {
    service: 'queue'
    groupId: 'queue'
    type: 'Microsoft.Storage/storageAccounts'
    resourceName: storageAccountName
  }
  {
    service: 'table'
    groupId: 'table'
    type: 'Microsoft.Storage/storageAccounts'
    resourceName: storageAccountName
  }
  {
    service: 'vault'
    groupId: 'vault'
    type: 'Microsoft.KeyVault/vaults'
    resourceName: keyVaultName
  }
  {
    service: 'redis'
    groupId: 'redisEnterprise'
    type: 'Microsoft.Cache/redisEnterprise'
    resourceName: redisName
  }
]

module privateEndpoint 'modules/privateendpoint.bicep' = [
  for endpoint in privateEndpoints: if (vnetEnabled) {
    name: 'pe-${endpoint.service}'
    scope: rg
    dependsOn: [
      storage
      keyVault
      redis
    ]
    params: {
      name: 'pe-${endpoint.service}-${resourceToken}'
      location: location
      tags: tags
      serviceId: resourceId(subscription().subscriptionId, rg.name, endpoint.type, endpoint.resourceName)
      groupId: endpoint.groupId
      subnetId: network!.outputs.privateEndpointSubnetId
      dnsZoneId: network!.outputs.dnsZoneIds[endpoint.service]
    }
  }
]

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  dependsOn: [
    identity
    storage
    keyVault
    monitoring
  ]
  params: {
    appIdentityName: identityName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    applicationInsightsName: applicationInsightsName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  // The app reads Key Vault and storage as soon as it starts: its roles (and, in a VNet, the
  // private endpoints it reaches them through) must exist first.
  dependsOn: [
    rbac
    privateEndpoint
  ]
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    keyVaultUri: keyVault.outputs.uri
    virtualNetworkSubnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    callbackPublicBaseUrl: callbackPublicBaseUrl
    corsAllowedOrigins: corsAllowedOrigins
    maximumInstanceCount: functionMaximumInstanceCount
    settings: {
      qpayBaseUrl: qpayBaseUrl
      qpayClientId: qpayClientId
      qpayInvoiceCode: qpayInvoiceCode
      usdToMntRate: qpayUsdToMntRate
      qpayAttemptTimeoutSec: qpayAttemptTimeoutSec
      qpayTotalTimeoutSec: qpayTotalTimeoutSec
      paymentSessionTtlSec: paymentSessionTtlSec
      statusRateLimitPerMinute: statusRateLimitPerMinute
      seedSessionRateLimitPerMinute: seedSessionRateLimitPerMinute
      seedSessionInstanceRatePerMinute: seedSessionInstanceRatePerMinute
      maxOpenSessionsPerUser: maxOpenSessionsPerUser
      paymentSessionExpirySec: paymentSessionExpirySec
      latePaymentPolicy: latePaymentPolicy
      internalWebhookDebug: internalWebhookDebug
      auditRetentionDays: auditRetentionDays
      sessionRetentionDays: sessionRetentionDays
      ebarimtEnabled: ebarimtEnabled
      ebarimtDefaultReceiverType: ebarimtDefaultReceiverType
      ebarimtDistrictCode: ebarimtDistrictCode
      ebarimtClassificationCode: ebarimtClassificationCode
      authJwtAuthority: authJwtAuthority
      authJwtAudience: authJwtAudience
      authJwtIssuer: authJwtIssuer
      authUserIdClaim: authUserIdClaim
      internalAuthMode: internalAuthMode
      internalAuthEntraTenantId: empty(internalAuthEntraTenantId) ? tenant().tenantId : internalAuthEntraTenantId
      internalAuthEntraAuthority: internalAuthEntraAuthority
      internalAuthEntraAudience: internalAuthEntraAudience
      internalAuthEntraRole: internalAuthEntraRole
      keyVaultRefreshIntervalSec: keyVaultRefreshIntervalSec
      checkoutDemoEnabled: checkoutDemoEnabled
    }
  }
}

// Alert rules over the app's metrics and log events, their action group, and the on-call workbook.
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    resourceToken: resourceToken
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    alertEmail: alertEmail
  }
}

// ---------------------------------------------------------------- outputs (azd writes them to .azure/<env>/.env)
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_URL string = functionApp.outputs.url
output QPAY_CALLBACK_PUBLIC_BASE_URL string = functionApp.outputs.callbackPublicBaseUrl
output QPAY_WEBHOOK_URL string = '${functionApp.outputs.callbackPublicBaseUrl}/payments/qpay/webhook'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_REDIS_NAME string = redis.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
