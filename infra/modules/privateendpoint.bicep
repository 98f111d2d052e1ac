// One private endpoint into the private-endpoints subnet, with a zone group that registers its
// address in the service's private DNS zone (network.bicep), so the service's own host name
// resolves to it inside the VNet.

@description('Name of the private endpoint.')
param name string

@description('Azure region of the endpoint (the VNet\'s).')
param location string

@description('Tags for the endpoint.')
param tags object

@description('Resource id of the storage account, vault or Redis cluster.')
param serviceId string

@description('Sub-resource the endpoint reaches: blob, queue, table, vault or redisEnterprise.')
param groupId string

@description('Resource id of the private-endpoints subnet.')
param subnetId string

@description('Resource id of the private DNS zone of that sub-resource.')
param dnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: serviceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: dnsZoneId
        }
      }
    ]
  }
}
