// The VNet of a vnetEnabled deployment: an integration subnet the Flex Consumption app sends all
// its outbound traffic through (delegated to Microsoft.App/environments, as Flex Consumption
// requires), a subnet for the private endpoints of Storage, Key Vault and Redis, and the private
// DNS zones that resolve those services' names to their private endpoints inside the VNet.
// Outbound to QPay stays open: no NSG denies egress and no route table forces a tunnel; the
// integration subnet keeps default outbound access (a NAT gateway gives a fixed egress IP, if
// QPay must allow-list one: README "Deploy to Azure").

@description('Name of the virtual network.')
param name string

@description('Azure region of the VNet (private DNS zones are global).')
param location string

@description('Tags for every resource.')
param tags object

@description('Address space of the VNet.')
param addressPrefix string = '10.20.0.0/16'

@description('Subnet the function app integrates with (Flex Consumption: /27 at least).')
param appSubnetPrefix string = '10.20.1.0/24'

@description('Subnet of the private endpoints.')
param privateEndpointSubnetPrefix string = '10.20.2.0/24'

// Storage zones follow the cloud's storage suffix; the vault zone is the vault DNS suffix with
// vaultcore (privatelink.vaultcore.azure.net in the public cloud); Managed Redis has one zone.
var dnsZoneNames = [
  'privatelink.blob.${environment().suffixes.storage}'
  'privatelink.queue.${environment().suffixes.storage}'
  'privatelink.table.${environment().suffixes.storage}'
  'privatelink${replace(environment().suffixes.keyvaultDns, 'vault', 'vaultcore')}'
  'privatelink.redis.azure.net'
]

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: appSubnetPrefix
          defaultOutboundAccess: true
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zoneName in dnsZoneNames: {
    name: zoneName
    location: 'global'
    tags: tags
  }
]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zoneName, i) in dnsZoneNames: {
    parent: zones[i]
    name: '${name}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

output appSubnetId string = vnet.properties.subnets[0].id
output privateEndpointSubnetId string = vnet.properties.subnets[1].id
// Zone ids by service (blob, queue, table, vault, redis), for the private endpoints' zone groups.
output dnsZoneIds object = {
  blob: zones[0].id
  queue: zones[1].id
  table: zones[2].id
  vault: zones[3].id
  redis: zones[4].id
}
