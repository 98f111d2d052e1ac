// Least-privilege data-plane roles, each assignment named guid(scope, principal, role) (the
// principal as the identity's resource id, known before deployment) so a
// redeployment finds the same assignment instead of failing on a duplicate.
// The app's identity gets:
//   storage: Blob Data Owner, because the Functions host itself needs it on its own storage
//            (AzureWebJobsStorage: it creates its containers, takes and breaks blob leases for
//            timer singletons and listener locks, and the Flex Consumption deployment package is
//            read from there), and the Functions documentation names Blob Data Owner as the role
//            of an identity-based AzureWebJobsStorage. Queue Data Contributor (the app's queues,
//            their triggers and poison queues) and Table Data Contributor (the app's tables):
//            data-plane roles only, no Owner or Contributor on anything.
// Every assignment is scoped to the one resource it is about (the storage account, the vault,
// the Application Insights component), never the resource group or the subscription. The host's
// storage and the app's tables and queues share one account, so the account is the narrowest
// scope that covers the host's containers, the app's tables and its queues.
//   Key Vault: Secrets User (read secrets; the app never writes them);
//   Application Insights: Monitoring Metrics Publisher (Entra-authenticated telemetry).
// Redis needs no role: the app uses an access key (see redis.bicep).
// The deployer (principalId, optional) gets Key Vault Secrets Officer, to set and rotate secrets.

@description('Name of the app\'s user-assigned identity (in this resource group).')
param appIdentityName string

@description('Principal id of the person or pipeline deploying; empty grants nothing.')
param deployerPrincipalId string = ''

@description('Kind of the deployer principal.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

var appStorageRoles = [
  storageBlobDataOwner
  storageQueueDataContributor
  storageTableDataContributor
]

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: appIdentityName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource appStorageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in appStorageRoles: {
    name: guid(storage.id, appIdentity.id, roleId)
    scope: storage
    properties: {
      principalId: appIdentity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource appSecretsAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appIdentity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource appTelemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appIdentity.id, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}

resource deployerSecretsAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
  }
}
