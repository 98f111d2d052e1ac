// The one user-assigned identity the function app runs as: host storage, the app's tables and
// queue, Key Vault, Application Insights (Entra auth) and the Flex deployment container.
// A user-assigned identity (not system-assigned) exists before the app, so its role assignments
// are in place by the time the app first starts.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags for the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
